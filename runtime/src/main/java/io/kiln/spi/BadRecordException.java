package io.kiln.spi;

/**
 * Thrown by worker code that finds one record (a line, an object) of a channel invalid. The
 * runtime reports it as a user error with the channel, object and line added, so the message says
 * only what is wrong with the record and how to fix it, e.g. {@code "'target' must be a list of
 * numbers, not a string"}.
 */
public class BadRecordException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadRecordException(String message) {
    super(message, null, false, false);
  }
}
