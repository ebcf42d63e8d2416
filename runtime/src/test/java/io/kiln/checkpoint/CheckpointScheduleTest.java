package io.kiln.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckpointScheduleTest {
  static final long MS = 1_000_000L;

  @Test
  void aUserIntervalCountsRoundsWhateverTheyCost() {
    CheckpointSchedule s = new CheckpointSchedule(10);
    for (int i = 0; i < 9; i++) {
      s.round(5_000 * MS);
      assertThat(s.due()).isFalse();
    }
    s.round(1);
    assertThat(s.due()).isTrue();
    s.started();
    assertThat(s.due()).isFalse();
    assertThat(s.describeNext()).isEqualTo("next in 10 rounds");
  }

  @Test
  void theFirstAdaptiveCheckpointWaitsForThirtySecondsOfTraining() {
    CheckpointSchedule s = new CheckpointSchedule(0);
    for (int i = 0; i < 299; i++) {
      s.round(100 * MS);
    }
    assertThat(s.due()).isFalse(); // 29.9 s
    s.round(100 * MS);
    assertThat(s.due()).isTrue();
  }

  @Test
  void afterAMeasuredCheckpointTheGapKeepsItsCostAtThreePercentOfTraining() {
    CheckpointSchedule s = new CheckpointSchedule(0);
    s.started();
    s.measured(600 * MS); // serialising and uploading took 0.6 s: the next one after 20 s of training
    assertThat(s.trainingBetween()).isEqualTo(20_000 * MS);
    for (int i = 0; i < 199; i++) {
      s.round(100 * MS);
    }
    assertThat(s.due()).isFalse();
    s.round(100 * MS);
    assertThat(s.due()).isTrue();
    assertThat(s.describeNext()).isEqualTo("next after 20.0 s of training");
    // a cheaper checkpoint brings the next one closer
    s.started();
    s.measured(30 * MS);
    assertThat(s.trainingBetween()).isEqualTo(1_000 * MS);
    for (int i = 0; i < 10; i++) {
      s.round(100 * MS);
    }
    assertThat(s.due()).isTrue();
  }
}
