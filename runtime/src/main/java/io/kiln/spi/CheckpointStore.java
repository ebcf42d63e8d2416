package io.kiln.spi;

import java.io.Serializable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where a job's checkpoints live. Usable on the driver and inside worker code (it is serializable
 * and opens its filesystem lazily). Algorithms normally use the {@link Checkpointing} service
 * instead, which schedules, agrees and checks identities.
 *
 * <p>A checkpoint is a directory of files, saved for one round. It becomes visible only when
 * complete: its manifest, written last, lists every file with its size and SHA-256 and names the
 * job that wrote it. {@link #list()} reads manifests only; {@link #restore} verifies every byte it
 * copies, so a partial or corrupt checkpoint is never restored.
 */
public interface CheckpointStore extends Serializable {

  /** The complete checkpoints (a readable manifest), newest first. Reads manifests only. */
  List<Info> list();

  /** The newest complete checkpoint, whoever wrote it. */
  default Optional<Info> latest() {
    return list().stream().findFirst();
  }

  /**
   * Saves the files under {@code directory} (recursively; relative paths kept) as the state after
   * {@code round} rounds, streamed from disk, then the manifest; keeps the newest few checkpoints.
   *
   * @throws KilnException INTERNAL when storage fails (nothing is visible then)
   */
  void save(int round, Path directory, CheckpointIdentity writer);

  /**
   * Copies a checkpoint's files into {@code directory} (created when missing), streamed, checking
   * each file's size and SHA-256 against the manifest. Returns false, leaving no files, when the
   * checkpoint is gone or corrupt.
   */
  boolean restore(Info checkpoint, Path directory);

  /**
   * How long a synchronous save (final, emergency, on request) keeps retrying a storage failure
   * with backoff before it gives up (the runtime's {@code spark.kiln.storage.retry-window-seconds});
   * zero: no retry.
   */
  default java.time.Duration writeRetryWindow() {
    return java.time.Duration.ZERO;
  }

  /**
   * A complete checkpoint, as its manifest describes it.
   *
   * @param round rounds (or epochs) completed in this state
   * @param created when it was saved
   * @param writer the job that wrote it; null for a checkpoint saved before Kiln recorded writers
   * @param bytes the total size of its files
   */
  record Info(int round, Instant created, CheckpointIdentity writer, long bytes) implements Serializable {}
}
