package io.kiln.runner;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kiln.record.Json;
import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;

/**
 * Makes sure no job overwrites another job's outputs. Before it trains, a job claims its output
 * directory {@code <outputPath>/<job>/} by creating {@value #MARKER} there, naming the job by its
 * job root, name and creation time; the same job (its retries, a driver resuming it) finds its
 * own claim and goes on. Another job of the same name (from another job root: the default root
 * is per user, buckets are shared) finds a claim or outputs that are not its own and fails before
 * Training with ResourceInUse, naming the object; nothing of the first job is touched.
 *
 * <p>Exclusive on filesystems with an exclusive create (local, HDFS); on object stores the claim
 * is {@link Store#createIfAbsent}'s write-then-verify, exclusive unless two creators interleave
 * within its settle time.
 */
final class OutputClaim {
  /** The claim's file name under {@code <outputPath>/<job>/}. */
  static final String MARKER = ".kiln-job.json";

  /**
   * Who owns an output directory.
   *
   * @param jobRoot the owning job's job root
   * @param trainingJobName its name
   * @param creationTime when it was created (stable across its retries and resumptions)
   */
  record Owner(@JsonProperty("JobRoot") String jobRoot, @JsonProperty("TrainingJobName") String trainingJobName,
      @JsonProperty("CreationTime") Instant creationTime) {}

  private OutputClaim() {}

  /**
   * Claims {@code <outputPath>/<name>/} for {@code me}.
   *
   * @throws KilnException USER (ResourceInUse) when another job owns it or left outputs there
   */
  static void claim(Store store, String outputPath, Owner me) {
    String dir = Uris.join(outputPath, me.trainingJobName()) + "/";
    String marker = dir + MARKER;
    if (store.createIfAbsent(marker, Json.write(me).getBytes(StandardCharsets.UTF_8))) {
      String model = dir + "output/" + JobOutputs.MODEL_ARCHIVE;
      if (store.exists(model)) {
        // outputs from before claims existed, or from another tool (SageMaker itself): not ours
        store.delete(marker, false);
        throw inUse(model, "was written by another job");
      }
      return;
    }
    Optional<Owner> owner = store.readText(marker).map(s -> Json.read(s, Owner.class, "output claim " + marker));
    if (owner.isPresent() && owner.get().equals(me)) {
      return;
    }
    throw inUse(marker, owner.map(o -> "belongs to training job '" + o.trainingJobName() + "' of job root "
        + o.jobRoot() + ", created " + o.creationTime()).orElse("belongs to another job"));
  }

  private static KilnException inUse(String object, String whose) {
    return KilnException.user("ResourceInUse: " + object + " " + whose + "; this job would overwrite its"
        + " outputs. Choose another job name or outputPath (OutputDataConfig.S3OutputPath)");
  }
}
