package io.kiln.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The record's history of a MetricDefinitions metric stays small however long a script prints: every
 * step up to 1,000, then every 2nd, 4th, … (a newcomer's script printing per batch for ten minutes
 * made a 177,495-step, 25 MB record that was rewritten as the job ran).
 */
class MetricHistoryThinningTest {
  @Test
  void everyEarlyStepThenFewerPerDoubling() {
    assertThat(IntStream.range(0, RunningJob.HISTORY_FULL_STEPS).allMatch(RunningJob::keptInHistory)).isTrue();
    assertThat(IntStream.range(1000, 1006).filter(RunningJob::keptInHistory)).containsExactly(1000, 1002, 1004);
    assertThat(IntStream.range(2000, 2010).filter(RunningJob::keptInHistory)).containsExactly(2000, 2004, 2008);
    assertThat(IntStream.range(0, 177_495).filter(RunningJob::keptInHistory).count()).isLessThan(5000);
    assertThat(RunningJob.keptInHistory(Integer.MAX_VALUE - 1)).isFalse(); // no overflow at the far end
  }
}
