package io.kiln.tuning.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spec.Names;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Trials are named as SageMaker names a tuning job's training jobs. */
class TrialNamesTest {
  private static final String LONGEST = "a1234567-b1234567-c1234567-d1234"; // 32 characters

  @Test
  void nameIsTuningJobNumberAndHash() {
    assertThat(TrialNames.of("churn-tune", 1)).matches("churn-tune-001-[0-9a-f]{8}");
    assertThat(TrialNames.of("churn-tune", 42)).matches("churn-tune-042-[0-9a-f]{8}");
    assertThat(TrialNames.of("churn-tune", 750)).matches("churn-tune-750-[0-9a-f]{8}");
    assertThat(TrialNames.of("churn-tune", 10_000)).matches("churn-tune-10000-[0-9a-f]{8}");
  }

  @Test
  void hashIsDerivedFromTheTuningJobNameAndNumber() {
    // pinned: a trial keeps its name across releases, so a resumed tuning job finds its trials
    assertThat(TrialNames.of("skeleton-tune-1", 1)).isEqualTo("skeleton-tune-1-001-95d59741");
    assertThat(TrialNames.of("skeleton-tune-1", 2)).isEqualTo("skeleton-tune-1-002-a14d18c8");
    assertThat(TrialNames.of("churn-tune", 7)).isEqualTo(TrialNames.of("churn-tune", 7));
    assertThat(hash(TrialNames.of("churn-tune", 7))).isNotEqualTo(hash(TrialNames.of("churn-tunf", 7)));
  }

  @Test
  void namesOfOneTuningJobAreDistinct() {
    Set<String> hashes = new HashSet<>();
    for (int n = 1; n <= 10_000; n++) {
      hashes.add(hash(TrialNames.of("churn-tune", n)));
    }

    assertThat(hashes).hasSize(10_000);
  }

  @Test
  void longestTuningJobNameGivesAValidTrainingJobName() {
    assertThat(LONGEST).hasSize(TuningJobSpec.MAX_NAME_LENGTH);
    assertThat(TuningJobSpec.isName(LONGEST)).isTrue();

    for (int n : new int[] {1, 999, 1000, 10_000, Integer.MAX_VALUE}) {
      String name = TrialNames.of(LONGEST, n);
      assertThat(name.length()).isLessThanOrEqualTo(Names.MAX_JOB_NAME_LENGTH);
      assertThat(Names.isJobName(name)).as(name).isTrue();
    }
  }

  @Test
  void specNamesItsTrials() {
    TuningJobSpec spec = TuningSpecReader.readTuningJob(TuningSpecs.KILN_MINIMAL, "tune.yaml");

    assertThat(spec.trialName(3)).isEqualTo(TrialNames.of("churn-tune", 3)).startsWith("churn-tune-003-");
    assertThat(spec.trainingJob().withName(spec.trialName(3)).name()).isEqualTo(spec.trialName(3));
  }

  @Test
  void refusesNumbersBelowOneAndInvalidNames() {
    assertThatThrownBy(() -> TrialNames.of("churn-tune", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("trial numbers start at 1, not 0");
    assertThatThrownBy(() -> TrialNames.of(LONGEST + "x", 1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static String hash(String trialName) {
    return trialName.substring(trialName.lastIndexOf('-') + 1);
  }
}
