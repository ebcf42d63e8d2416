package io.kiln.runner;

import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.TarGz;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;

/**
 * Puts a finished attempt's outputs where SageMaker puts them: {@code model.tar.gz} and
 * {@code output.tar.gz} under {@code <outputPath>/<job>/output/}.
 *
 * <p>The model comes from the first of:
 * <ol>
 *   <li>the {@code model.tar.gz} rank 0 uploaded from its worker-side model directory to the
 *       attempt's staging directory: moved into place by the filesystem (a rename; on S3 a
 *       server-side copy), never read by the driver;
 *   <li>files under the attempt's {@link io.kiln.spi.TrainingContext#modelStagingUri()}, written
 *       there from the executors by a driver-side estimator: archived by streaming each file from
 *       the filesystem into the archive;
 *   <li>the driver's local model directory, archived as before (what XGBoost writes).
 * </ol>
 * Staging is per attempt ({@code .kiln-staging/attempt-<k>/}) and only archives a worker reported
 * are taken, so a failed attempt's leftovers never become a later attempt's model; the whole
 * staging directory is removed when the job ends.
 */
final class JobOutputs {
  static final String MODEL_ARCHIVE = "model.tar.gz";
  static final String OUTPUT_ARCHIVE = "output.tar.gz";

  private JobOutputs() {}

  /**
   * Where a successful attempt left its outputs.
   *
   * @param workerStagingUri the workers' staging directory ({@code WorkerPlan.outputStagingUri})
   * @param archives the archives rank 0 reported under it
   * @param modelStagingUri the driver-side estimator's staging directory
   */
  record Staged(String workerStagingUri, Set<String> archives, String modelStagingUri) {
    Staged {
      archives = Set.copyOf(archives);
    }
  }

  /** The job's staging directory, holding one directory per attempt. */
  static String stagingRoot(String outputPath, String jobName) {
    return Uris.join(outputPath, jobName, "output", ".kiln-staging");
  }

  /**
   * Writes the job's {@code model.tar.gz} at {@code artifact} from the first source that has a
   * model (see the class comment).
   *
   * @param log receives a line saying where the model came from
   * @throws KilnException INTERNAL when moving, reading or writing fails
   */
  static void publishModel(Store store, Staged staged, Path modelDirectory, String artifact, Consumer<String> log) {
    if (staged.archives().contains(MODEL_ARCHIVE)) {
      move(store, Uris.join(staged.workerStagingUri(), MODEL_ARCHIVE), artifact);
      log.accept("Wrote " + artifact + " from rank 0's model directory");
      warnIgnored(modelDirectory, log);
      return;
    }
    List<LocatedFileStatus> files = TarGz.listFiles(staged.modelStagingUri(), store);
    if (!files.isEmpty()) {
      long bytes = TarGz.write(staged.modelStagingUri(), files, store, artifact);
      log.accept("Wrote " + artifact + " (" + bytes + " bytes) from " + files.size() + " file(s) under "
          + staged.modelStagingUri());
      warnIgnored(modelDirectory, log);
      return;
    }
    ModelArchive.write(modelDirectory, store, artifact);
    log.accept("Wrote " + artifact);
  }

  private static void warnIgnored(Path modelDirectory, Consumer<String> log) {
    if (TarGz.hasFiles(modelDirectory)) {
      log.accept("WARN the driver's model directory also holds files; they are not in model.tar.gz (a worker- or "
          + "executor-written model comes first)");
    }
  }

  /**
   * Moves rank 0's {@code output.tar.gz}, when it reported one, to {@code uri}.
   *
   * @return {@code uri} when an archive was moved there
   */
  static Optional<String> publishOutput(Store store, Staged staged, String uri) {
    if (!staged.archives().contains(OUTPUT_ARCHIVE)) {
      return Optional.empty();
    }
    move(store, Uris.join(staged.workerStagingUri(), OUTPUT_ARCHIVE), uri);
    return Optional.of(uri);
  }

  /**
   * Moves a complete file to {@code to} on the same filesystem, replacing what is there: an atomic
   * rename for local files; else the filesystem's rename (HDFS: a rename; s3a: a server-side copy,
   * which makes the object appear whole, then a delete). Idempotent, so it can be retried: when
   * {@code from} is gone and {@code to} is there, an earlier try already moved it.
   */
  static void move(Store store, String from, String to) {
    org.apache.hadoop.fs.Path src = store.path(from);
    org.apache.hadoop.fs.Path dst = store.path(to);
    try {
      if ("file".equals(dst.toUri().getScheme()) && "file".equals(src.toUri().getScheme())) {
        Path target = java.nio.file.Paths.get(dst.toUri());
        Files.createDirectories(target.getParent());
        Files.move(java.nio.file.Paths.get(src.toUri()), target, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
        return;
      }
      FileSystem fs = store.fileSystem(dst);
      if (!fs.exists(src) && fs.exists(dst)) {
        return; // an earlier try moved it and failed after (a retry over a storage outage)
      }
      if (fs.exists(dst)) {
        fs.delete(dst, false);
      }
      if (!fs.rename(src, dst)) {
        throw new IOException("the filesystem refused the rename");
      }
    } catch (IOException e) {
      throw KilnException.internal("Cannot move " + from + " to " + to + ": " + e.getMessage(), e);
    }
  }

  /** Removes the job's staging directory; a failure is only logged (the job's outcome stands). */
  static void deleteStaging(Store store, String stagingRoot, Consumer<String> log) {
    try {
      store.delete(stagingRoot, true);
    } catch (RuntimeException e) {
      log.accept("WARN could not remove the staging directory " + stagingRoot + ": " + e.getMessage());
    }
  }
}
