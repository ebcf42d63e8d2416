package io.kiln.barrier;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.List;
import java.util.Optional;

/**
 * Makes every worker of a row channel report the same read error: the channel's first one, in the
 * channel's object order and then line order, whichever worker saw it.
 *
 * <p>Each worker stops at its own first bad row, so the first problem of the channel is the one in
 * the earliest object; within one object (a FullyReplicated object cut between workers) the lower
 * rank reads the earlier bytes. A worker that failed reports {@link #report}; the others their
 * feature counts; {@link #first} picks the failure with the lowest (object index, rank).
 */
final class ReadFailures {
  private static final String MARK = "!";

  private ReadFailures() {}

  /**
   * What a failed worker sends to the others.
   *
   * @param objectIndex the failing object's position in the channel's object order; {@code
   *     Long.MAX_VALUE} when unknown (then only rank order decides)
   */
  static String report(long objectIndex, KilnException e) {
    return MARK + objectIndex + "\t" + e.type().name() + "\t" + e.getMessage();
  }

  /** Whether a gathered report is a failure rather than a feature count. */
  static boolean isFailure(String report) {
    return report.startsWith(MARK);
  }

  /**
   * The channel's first failure among the workers' reports (rank order), as the exception every
   * worker throws: {@code own} itself when it is that failure, so its cause is kept.
   */
  static Optional<KilnException> first(List<String> reports, int rank, KilnException own) {
    int best = -1;
    long bestIndex = Long.MAX_VALUE;
    for (int w = 0; w < reports.size(); w++) {
      String r = reports.get(w);
      if (!isFailure(r)) {
        continue;
      }
      long index = Long.parseLong(r.substring(MARK.length(), r.indexOf('\t')));
      if (best < 0 || index < bestIndex) {
        best = w;
        bestIndex = index;
      }
    }
    if (best < 0) {
      return Optional.empty();
    }
    if (best == rank && own != null) {
      return Optional.of(own);
    }
    String r = reports.get(best);
    int a = r.indexOf('\t');
    int b = r.indexOf('\t', a + 1);
    return Optional.of(new KilnException(ErrorType.valueOf(r.substring(a + 1, b)), r.substring(b + 1)));
  }
}
