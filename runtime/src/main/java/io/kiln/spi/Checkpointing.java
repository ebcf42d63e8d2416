package io.kiln.spi;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The runtime's checkpoint service, for a training loop on the workers ({@link
 * WorkerContext#checkpointing()}) or on the driver ({@link TrainingContext#checkpointing()}).
 *
 * <p>The loop restores once at its start, then calls {@link #afterRound} after every round with the
 * directive the driver gave for that round, and {@link #saveFinal} when training ends. The service
 * decides when to save: every {@code checkpoint.intervalRounds} rounds when the user set it, else
 * adaptively (a checkpoint's whole cost at most 3 % of the training between two; the first after
 * 30 s of training); at once for a {@link Directive#CHECKPOINT} (emergency) or {@link
 * Directive#STOP} (final). Only rank 0 (or the driver) writes; periodic saves upload in the
 * background from a local copy, so training goes on while they do. Every method is a no-op when
 * the job has no checkpoint location.
 */
public interface Checkpointing {

  /** Writes the loop's state into an empty local directory: any files, any layout. */
  @FunctionalInterface
  interface StateWriter {
    void write(Path directory) throws Exception;
  }

  /**
   * A restored state.
   *
   * @param round rounds completed in it
   * @param directory a local directory holding the saved files, valid until the loop ends
   */
  record Restored(int round, Path directory) {}

  /** False when the job has no checkpoint location. */
  boolean enabled();

  /**
   * Restores the newest complete checkpoint this job wrote (its {@link CheckpointIdentity} equal
   * to the job's), the same one on every worker: rank 0 chooses it and the others follow.
   * Checkpoints another job wrote are skipped, saying so in the job log. <em>Collective</em> on
   * workers.
   *
   * @return empty when there is none to restore
   */
  Optional<Restored> restore();

  /**
   * After a round: records its training time (for the adaptive schedule), then saves if the
   * directive asks for it or a periodic checkpoint is due. {@code writer} is called only when a
   * save happens.
   *
   * @param round rounds completed so far
   * @param roundNanos the round's training time on this worker
   */
  void afterRound(int round, long roundNanos, Directive directive, StateWriter writer);

  /**
   * Saves the state after {@code round} rounds now, when training ends, unless that round is already
   * saved; waits until it is stored.
   */
  void saveFinal(int round, StateWriter writer);

  /**
   * Saves the state after {@code round} rounds now, on the algorithm's own decision (its own
   * schedule instead of {@link #afterRound}'s), unless that round is already saved; waits until it
   * is stored.
   */
  void saveNow(int round, StateWriter writer);
}
