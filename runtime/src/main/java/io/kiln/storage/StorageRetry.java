package io.kiln.storage;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Retries a write to storage (S3, HDFS, a local disk) with exponential backoff over a bounded
 * window, so a transient outage (a restarting S3 endpoint, a network blip) loses nothing. Used for
 * the writes a job cannot do without: its final checkpoint, its model and its record.
 *
 * <p>Only storage failures are retried: an {@link IOException} anywhere in the cause chain of an
 * INTERNAL {@link KilnException} (what {@link Store} throws), an {@link UncheckedIOException} or an
 * {@link IOException}. Anything else (a user's or an algorithm's error) is rethrown at once. The
 * delays start at {@value #FIRST_DELAY_MS} ms and double up to {@value #MAX_DELAY_MS} ms; the last
 * attempt starts before the window ends (one storage call may itself take longer, as the
 * filesystem retries on its own). When the window is over, {@link Outage} says what failed.
 */
public final class StorageRetry {
  static final long FIRST_DELAY_MS = 500;
  static final long MAX_DELAY_MS = 10_000;
  /** The first words of a FailureReason's message for a job that failed because storage was out. */
  public static final String OUTAGE = "StorageOutage";

  private StorageRetry() {}

  /** A write that kept failing with a storage error for the whole retry window. */
  public static final class Outage extends KilnException {
    private static final long serialVersionUID = 1L;
    private final String what;

    public Outage(String what, String message, Throwable cause) {
      super(ErrorType.INTERNAL, message, cause);
      this.what = what;
    }

    /** What was being written, e.g. "the model s3://bucket/job/output/model.tar.gz". */
    public String what() {
      return what;
    }
  }

  /** Runs {@code write}, retrying storage failures over {@code window}; see {@link #call}. */
  public static void run(Duration window, String what, Consumer<String> log, Runnable write) {
    call(window, what, log, () -> {
      write.run();
      return null;
    });
  }

  /**
   * Runs {@code write} until it succeeds, retrying storage failures with backoff while
   * {@code window} (from the first attempt) lasts; a zero window means one attempt.
   *
   * @param what what is written, for messages: "the model s3://…"
   * @param log receives one WARN line per failed attempt that will be retried
   * @throws Outage when a storage failure lasts past the window
   * @throws KilnException (or any other runtime exception) from {@code write} that is not a storage failure
   */
  public static <T> T call(Duration window, String what, Consumer<String> log, Supplier<T> write) {
    long start = System.nanoTime();
    long deadline = start + Math.max(0, window.toNanos());
    long delay = FIRST_DELAY_MS;
    int attempt = 0;
    while (true) {
      attempt++;
      try {
        return write.get();
      } catch (RuntimeException e) {
        if (!storageFailure(e)) {
          throw e;
        }
        long now = System.nanoTime();
        long left = (deadline - now) / 1_000_000;
        if (left <= 0) {
          long seconds = Math.round((now - start) / 1e9);
          throw new Outage(what, OUTAGE + ": writing " + what + " failed " + attempt + " time(s) over " + seconds
              + " s (the storage retry window, spark.kiln.storage.retry-window-seconds, is "
              + window.toSeconds() + " s): " + cause(e), e);
        }
        long sleep = Math.min(delay, left);
        log.accept("WARN writing " + what + " failed (" + cause(e) + "); retrying in " + sleep + " ms ("
            + Math.max(0, left / 1000) + " s of the retry window left)");
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        delay = Math.min(MAX_DELAY_MS, delay * 2);
      }
    }
  }

  /** Whether {@code e} is a storage failure: an I/O error in its cause chain, not a user's or algorithm's error. */
  public static boolean storageFailure(Throwable e) {
    if (e instanceof Outage) {
      return true;
    }
    if (e instanceof KilnException k && k.type() != ErrorType.INTERNAL) {
      return false;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof IOException || t instanceof UncheckedIOException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  private static String cause(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
