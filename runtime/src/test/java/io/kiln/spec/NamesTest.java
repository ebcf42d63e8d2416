package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SageMaker's naming rules and the "did you mean" suggestions. */
class NamesTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "9", "churn-1", "Churn--XGB-7", "a-b-c"})
  void acceptsSageMakerJobNames(String name) {
    assertThat(Names.isJobName(name)).isTrue();
  }

  @Test
  void acceptsJobNamesOfExactly63Characters() {
    assertThat(Names.isJobName("a".repeat(63))).isTrue();
    assertThat(Names.isJobName("a" + "-b".repeat(31))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-a", "a-", "a_b", "a.b", "a b"})
  void refusesNamesOutsideTheRule(String name) {
    assertThat(Names.isJobName(name)).isFalse();
  }

  @Test
  void refusesJobNamesLongerThan63CharactersEvenWithHyphens() {
    assertThat(Names.isJobName("a".repeat(64))).isFalse();
    assertThat(Names.isJobName("a" + "-b".repeat(32))).as("65 characters").isFalse();
    assertThat(Names.isJobName("a" + "--b".repeat(21))).as("64 characters").isFalse();
    assertThat(Names.isJobName(null)).isFalse();
  }

  @Test
  void suggestsTheClosestName() {
    List<String> fields = KilnSpecReader.TOP_LEVEL;

    assertThat(Names.closest("hyperparameter", fields)).isEqualTo("hyperparameters");
    assertThat(Names.closest("HyperParameters", fields)).isEqualTo("hyperparameters");
    assertThat(Names.closest("output", fields)).isEqualTo("outputPath");
    assertThat(Names.closest("metrics", fields)).isEqualTo("");
    assertThat(Names.suggestion("chanels", fields)).isEqualTo("; did you mean 'channels'?");
    assertThat(Names.suggestion("zzzzzz", fields)).isEmpty();
  }

  @Test
  void countsEditsBetweenNames() {
    assertThat(Names.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(Names.distance("", "abc")).isEqualTo(3);
    assertThat(Names.distance("same", "same")).isZero();
  }
}
