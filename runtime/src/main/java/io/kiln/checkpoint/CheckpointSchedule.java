package io.kiln.checkpoint;

/**
 * When the next periodic checkpoint is due. With an interval from the user, every that many
 * rounds. Without one, by training time: a checkpoint's whole cost (serialising on the training
 * thread plus the upload's wall time, which competes with training for the machine) may be at most
 * {@value #OVERHEAD} of the training time between checkpoints, so the next one is due after
 * {@code cost / OVERHEAD} of rounds. Until a first checkpoint has been measured its cost is
 * unknown; the first is due after {@link #FIRST_AFTER_NANOS} of training, which a job shorter than
 * that never pays (its final checkpoint is written regardless).
 *
 * <p>Not thread-safe except {@link #measured}, which the upload thread calls.
 */
public final class CheckpointSchedule {
  public static final double OVERHEAD = 0.03;
  public static final long FIRST_AFTER_NANOS = 30_000_000_000L;

  private final int fixedInterval;
  private int rounds;
  private long trainingNanos;
  private volatile long costNanos = -1;

  /** {@code fixedInterval}: rounds between checkpoints, or 0 or less for the adaptive schedule. */
  public CheckpointSchedule(int fixedInterval) {
    this.fixedInterval = Math.max(0, fixedInterval);
  }

  /** Whether the user fixed the interval in rounds (else the schedule is adaptive). */
  public boolean fixed() {
    return fixedInterval > 0;
  }

  /** A round took this long on the training thread. */
  public void round(long nanos) {
    rounds++;
    trainingNanos += nanos;
  }

  public boolean due() {
    if (fixedInterval > 0) {
      return rounds >= fixedInterval;
    }
    return trainingNanos >= trainingBetween();
  }

  /** A checkpoint was started: the count begins again. */
  public void started() {
    rounds = 0;
    trainingNanos = 0;
  }

  /** A checkpoint's whole cost became known (serialising plus the upload's wall time). */
  public void measured(long nanos) {
    costNanos = nanos;
  }

  /** Training time that must pass between checkpoints on the adaptive schedule, in nanoseconds. */
  public long trainingBetween() {
    long cost = costNanos;
    return cost < 0 ? FIRST_AFTER_NANOS : (long) Math.ceil(cost / OVERHEAD);
  }

  /** For the log: when the next checkpoint is due. */
  public String describeNext() {
    if (fixedInterval > 0) {
      return "next in " + fixedInterval + " rounds";
    }
    return String.format(java.util.Locale.ROOT, "next after %.1f s of training", trainingBetween() / 1e9);
  }
}
