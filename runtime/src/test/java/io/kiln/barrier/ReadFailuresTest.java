package io.kiln.barrier;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9 (newcomer, item 6): every worker reports the channel's first bad row, not its own. */
class ReadFailuresTest {
  private static final KilnException LINE_1 = KilnException.user("Channel 'train': s3://b/a.csv line 1: bad");
  private static final KilnException LINE_501 = KilnException.user("Channel 'train': s3://b/a.csv line 501: bad");

  @Test
  void theLowestRankWinsWithinOneObject() {
    List<String> reports = List.of(ReadFailures.report(0, LINE_1), ReadFailures.report(0, LINE_501));

    // worker 1 throws worker 0's error, so whichever task fails first, the reason names line 1
    KilnException seenBy1 = ReadFailures.first(reports, 1, LINE_501).orElseThrow();
    assertThat(seenBy1.getMessage()).isEqualTo(LINE_1.getMessage());
    assertThat(seenBy1.type()).isEqualTo(ErrorType.USER);
    assertThat(ReadFailures.first(reports, 0, LINE_1).orElseThrow()).isSameAs(LINE_1);
  }

  @Test
  void anEarlierObjectWinsOverALowerRank() {
    // ShardedByS3Key: object 2 on worker 0, object 1 on worker 1
    KilnException object2 = KilnException.user("Channel 'train': s3://b/c.csv line 1: bad");
    KilnException object1 = KilnException.user("Channel 'train': s3://b/b.csv line 9: bad");
    List<String> reports = List.of(ReadFailures.report(2, object2), ReadFailures.report(1, object1), "4");

    assertThat(ReadFailures.first(reports, 0, object2).orElseThrow().getMessage()).isEqualTo(object1.getMessage());
    assertThat(ReadFailures.first(reports, 2, null).orElseThrow().getMessage()).isEqualTo(object1.getMessage());
  }

  @Test
  void featureCountsAloneAreNoFailure() {
    assertThat(ReadFailures.first(List.of("4", "4t", "-1"), 0, null)).isEmpty();
  }
}
