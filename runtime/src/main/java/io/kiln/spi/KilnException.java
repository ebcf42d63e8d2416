package io.kiln.spi;

/**
 * The one exception Kiln's code throws on purpose. Its {@link ErrorType} tells the runtime what to
 * do: a user error is reported and never retried, a capacity error resumes from the newest
 * checkpoint, the others fail the job.
 *
 * <p>Messages say what could not be done, why, the offending value and the fix when known; the
 * first line is what a user sees as the job's failure reason.
 */
public class KilnException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorType type;

  public KilnException(ErrorType type, String message) {
    super(message);
    this.type = type;
  }

  public KilnException(ErrorType type, String message, Throwable cause) {
    super(message, cause);
    this.type = type;
  }

  public ErrorType type() {
    return type;
  }

  public static KilnException user(String message) {
    return new KilnException(ErrorType.USER, message);
  }

  public static KilnException user(String message, Throwable cause) {
    return new KilnException(ErrorType.USER, message, cause);
  }

  public static KilnException internal(String message, Throwable cause) {
    return new KilnException(ErrorType.INTERNAL, message, cause);
  }

  /** Finds the first KilnException in a cause chain, so errors raised in Spark tasks keep their type. */
  public static java.util.Optional<KilnException> find(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof KilnException k) {
        return java.util.Optional.of(k);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return java.util.Optional.empty();
  }
}
