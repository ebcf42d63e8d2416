package io.kiln.spi;

import java.io.Serializable;
import java.util.Map;
import java.util.Optional;

/**
 * Where a job's checkpoints live. Usable on the driver and inside worker code (it is serializable
 * and opens its filesystem lazily).
 *
 * <p>A checkpoint becomes visible only when complete: its manifest, written last, lists every file
 * with its checksum. {@link #latest()} never returns a partial or corrupt checkpoint.
 */
public interface CheckpointStore extends Serializable {

  /** The newest complete checkpoint whose files match their checksums. */
  Optional<Checkpoint> latest();

  /** The newest complete, verified checkpoint at or below {@code round}. */
  Optional<Checkpoint> latestAtOrBefore(int round);

  /** Saves the files of the state after {@code round} rounds; keeps the newest few. */
  void save(int round, Map<String, byte[]> files);

  /**
   * A saved training state.
   *
   * @param round rounds (or epochs) completed in this state
   * @param files the files, by name
   */
  record Checkpoint(int round, Map<String, byte[]> files) {
    public Checkpoint {
      files = Map.copyOf(files);
    }
  }
}
