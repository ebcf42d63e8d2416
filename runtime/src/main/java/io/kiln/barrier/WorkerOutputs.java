package io.kiln.barrier;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.TarGz;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * One worker's local output directories, laid out as SageMaker's {@code /opt/ml}: {@code model/},
 * {@code output/data/} and {@code output/failure}, under a temporary directory of the task that is
 * removed when the task ends.
 *
 * <p>When the worker function returns, rank 0's non-empty directories are uploaded ({@link #stage})
 * as {@value #MODEL_ARCHIVE} and {@value #OUTPUT_ARCHIVE} to the attempt's staging directory, from
 * where the driver moves them to the job's output path. Other ranks' directories are discarded.
 *
 * <p>The failure file follows SageMaker's contract: the platform decides success by the
 * container's exit code, and {@code /opt/ml/output/failure} only gives the reason of a failure
 * (SageMaker's training toolkit writes it when the user's script exits non-zero, and exits non-zero
 * itself). So a worker that throws with text in its failure file fails the job with that text as
 * FailureReason ({@link #failure}); a worker that returns normally does not fail the job because of
 * a failure file, whose first line is then only logged as a warning.
 */
final class WorkerOutputs implements AutoCloseable {
  /** The archive of rank 0's model directory, as SageMaker names it. */
  static final String MODEL_ARCHIVE = "model.tar.gz";
  /** The archive of rank 0's output/data directory, as SageMaker names it. */
  static final String OUTPUT_ARCHIVE = "output.tar.gz";
  /** SageMaker's FailureReason holds at most this many characters. */
  static final int MAX_REASON = 1024;
  private static final String CLIENT_ERROR = "ClientError:";

  private final Path root;

  WorkerOutputs(String jobName, int rank) {
    try {
      root = Files.createTempDirectory("kiln-" + jobName + "-" + rank + "-");
      Files.createDirectories(root.resolve("model"));
      Files.createDirectories(root.resolve("output").resolve("data"));
    } catch (IOException e) {
      throw KilnException.internal("Worker " + rank + " cannot create its output directories: " + e.getMessage(), e);
    }
  }

  Path modelDirectory() {
    return root.resolve("model");
  }

  Path outputDataDirectory() {
    return root.resolve("output").resolve("data");
  }

  Path failureFile() {
    return root.resolve("output").resolve("failure");
  }

  /**
   * Uploads the model directory and the output data directory, each when it holds a file, as
   * {@value #MODEL_ARCHIVE} and {@value #OUTPUT_ARCHIVE} under {@code stagingUri}, streamed from the
   * local files (all-or-nothing: an object store shows the object only when its upload completed,
   * other filesystems get a temporary file renamed into place). Only what this returns counts: the
   * driver takes only archives a worker reported, never what it finds in the staging directory.
   *
   * @param log receives one line per archive written
   * @return the names of the archives written, model first
   * @throws KilnException INTERNAL naming the archive and the staging URI when an upload fails
   */
  List<String> stage(String stagingUri, Configuration conf, java.util.function.Consumer<String> log) {
    Store store = new Store(conf);
    List<String> written = new ArrayList<>();
    stageOne(modelDirectory(), "model directory", MODEL_ARCHIVE, stagingUri, store, log, written);
    stageOne(outputDataDirectory(), "output/data directory", OUTPUT_ARCHIVE, stagingUri, store, log, written);
    return List.copyOf(written);
  }

  private static void stageOne(Path dir, String what, String archive, String stagingUri, Store store,
      java.util.function.Consumer<String> log, List<String> written) {
    if (!TarGz.hasFiles(dir)) {
      return;
    }
    String uri = Uris.join(stagingUri, archive);
    try {
      long bytes = TarGz.write(dir, store, uri);
      log.accept("Uploaded the " + what + " as " + archive + " (" + bytes + " bytes) to " + uri);
    } catch (KilnException e) {
      throw KilnException.internal("Rank 0 could not upload its " + what + " as " + uri + ": " + e.getMessage(), e);
    }
    written.add(archive);
  }

  /**
   * The first non-blank line of the failure file, at most {@value #MAX_REASON} characters, or empty
   * when the worker wrote none (or only blank text) or it cannot be read. Reads at most a few KiB of
   * the file.
   */
  Optional<String> failureText() {
    Path f = failureFile();
    if (!Files.isRegularFile(f)) {
      return Optional.empty();
    }
    byte[] head;
    try (InputStream in = Files.newInputStream(f)) {
      head = in.readNBytes(4 * MAX_REASON);
    } catch (IOException e) {
      return Optional.empty(); // the worker's own error is reported instead
    }
    for (String line : new String(head, StandardCharsets.UTF_8).split("\r?\n|\r")) {
      String s = line.strip();
      if (!s.isEmpty()) {
        return Optional.of(s.length() > MAX_REASON ? s.substring(0, MAX_REASON) : s);
      }
    }
    return Optional.empty();
  }

  /**
   * The error a worker that threw {@code e} fails the job with. With text in its failure file: that
   * text's first line, USER when it starts with {@code ClientError:} (the job's FailureReason then
   * reads exactly as the line), else ALGORITHM (FailureReason {@code AlgorithmError: <line>}, as
   * SageMaker reports a container's failure file); the thrown error stays the cause. Without: the
   * worker's own {@link KilnException}, or ALGORITHM naming the rank and {@code e}.
   */
  KilnException failure(int rank, Exception e) {
    Optional<String> text = failureText();
    if (text.isPresent()) {
      String line = text.get();
      if (line.startsWith(CLIENT_ERROR)) {
        // TrainingJobRunner.failureReason puts "ClientError: " back in front
        return new KilnException(ErrorType.USER, line.substring(CLIENT_ERROR.length()).strip(), e);
      }
      return new KilnException(ErrorType.ALGORITHM, line, e);
    }
    if (e instanceof KilnException k) {
      return k;
    }
    return new KilnException(ErrorType.ALGORITHM, "Worker " + rank + " failed: " + e, e);
  }

  @Override
  public void close() {
    try (var s = Files.walk(root)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans what is left
    }
  }
}
