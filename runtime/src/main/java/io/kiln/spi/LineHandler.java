package io.kiln.spi;

/**
 * Takes the lines of a channel one at a time ({@link WorkerContext#lines}).
 *
 * <p>To refuse a line, throw {@link BadRecordException} with what is wrong and the fix: the
 * runtime turns it into a user error naming the channel, the object and the line number. Any other
 * exception fails the job as an error of the algorithm.
 */
@FunctionalInterface
public interface LineHandler {

  /**
   * One line of text (UTF-8, without its line ending: {@code \n} or {@code \r\n}). Empty lines are
   * passed on too.
   */
  void line(String line) throws Exception;
}
