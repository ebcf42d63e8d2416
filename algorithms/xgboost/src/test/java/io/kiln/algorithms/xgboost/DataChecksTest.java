package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.LabeledData;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The label and weight rules checked before training, one objective or metric at a time: the first
 * row XGBoost (3.1, what trains) or the container's scikit-learn metrics would refuse, and why. The
 * Spark jobs of XGBoostBadInputTest show the same messages with the channel, object and line.
 */
class DataChecksTest {

  static Optional<DataChecks.RowProblem> first(XGBoostHyperparameters hp, float[] labels, float[] weights) {
    LabeledData d = new LabeledData(labels.length, 1, labels, weights, new float[labels.length], null, null, null);
    return DataChecks.firstBadRow(hp, hp.reportedMetrics(), d, false);
  }

  static void refuses(int row, String message, float[] labels, String... kv) {
    Optional<DataChecks.RowProblem> p = first(XGBoostHyperparametersTest.parse(kv), labels, null);
    assertThat(p).as(String.join(" ", kv)).isPresent();
    assertThat(p.get().row()).isEqualTo(row);
    assertThat(p.get().message()).contains(message);
  }

  static void accepts(float[] labels, String... kv) {
    assertThat(first(XGBoostHyperparametersTest.parse(kv), labels, null)).as(String.join(" ", kv)).isEmpty();
  }

  @Test
  void eachObjectiveRefusesWhatNativeXGBoostRefuses() {
    refuses(2, "label 3 is not a class of objective=multi:softprob with num_class=3", new float[] {0, 2, 3},
        "objective", "multi:softprob", "num_class", "3");
    refuses(1, "label 1.5 is not a class", new float[] {0, 1.5f}, "objective", "multi:softmax", "num_class", "3");
    refuses(1, "label -0.5 is outside [0, 1]", new float[] {1, -0.5f}, "objective", "reg:logistic");
    refuses(0, "label 2 is outside [0, 1]: objective=binary:hinge", new float[] {2}, "objective", "binary:hinge");
    refuses(1, "label 0 is not positive", new float[] {1, 0}, "objective", "reg:gamma");
    refuses(0, "label -1 is negative", new float[] {-1}, "objective", "count:poisson");
    refuses(0, "label -1 is negative", new float[] {-1}, "objective", "reg:tweedie");
    refuses(0, "label -1 is not greater than -1", new float[] {-1}, "objective", "reg:squaredlogerror");
    refuses(0, "label 1.5 is not a relevance degree", new float[] {1.5f}, "objective", "rank:pairwise");
    refuses(0, "label 40 is above 31", new float[] {40}, "objective", "rank:ndcg");
    refuses(0, "label 2 is not 0 or 1: objective=rank:map", new float[] {2}, "objective", "rank:map");
    refuses(1, "the label is missing (NaN)", new float[] {1, Float.NaN}, "objective", "reg:squarederror");
    // soft labels are a probability for binary:logistic, but not classes for the container's class metrics
    accepts(new float[] {0, 0.3f, 1}, "objective", "binary:logistic");
    refuses(1, "label 0.3 is not a class: eval_metric f1 compares predicted classes with labels 0 and 1",
        new float[] {0, 0.3f, 1}, "objective", "binary:logistic", "eval_metric", "f1");
    // the metrics' own rules: ndcg degrees, map binary relevance
    refuses(0, "eval_metric ndcg needs labels that are whole numbers 0 to 31", new float[] {2.5f}, "eval_metric",
        "ndcg");
    refuses(0, "eval_metric map@3 needs binary relevance labels", new float[] {2}, "eval_metric", "map@3");
    accepts(new float[] {-5, 1e6f}, "objective", "reg:squarederror");
    accepts(new float[] {-1, 2}, "objective", "survival:cox");
  }

  @Test
  void weightsMustBeFiniteAndNotNegative() {
    XGBoostHyperparameters hp = XGBoostHyperparametersTest.parse("objective", "binary:logistic");
    assertThat(first(hp, new float[] {0, 1, 1}, new float[] {1, 0, -2})).get()
        .extracting(DataChecks.RowProblem::row, DataChecks.RowProblem::message)
        .containsExactly(2, "the instance weight is -2; XGBoost needs weights that are numbers >= 0");
    assertThat(first(hp, new float[] {0, 1}, new float[] {1, 0})).isEmpty();
  }

  @Test
  void featureCountsOfTheChannelsFitOrSayWhy() {
    assertThat(DataChecks.featureCount(4, false, 4, false, false)).isEqualTo(new DataChecks.Features(4, null));
    assertThat(DataChecks.featureCount(4, false, 3, false, true).problem()).isEqualTo("Channel 'validation' has 3 "
        + "feature column(s), but channel 'train' has 4: every channel needs the same features in the same columns "
        + "(the label first, then the instance weight, which csv_weights=1 reads from the second column of every "
        + "channel, validation included)");
    // LIBSVM names its features: the wider count holds both
    assertThat(DataChecks.featureCount(4, true, 9, true, false).count()).isEqualTo(9);
    assertThat(DataChecks.featureCount(9, false, 4, true, false).count()).isEqualTo(9);
    assertThat(DataChecks.featureCount(4, false, 9, true, false).problem()).contains("uses feature index 8");
    assertThat(DataChecks.constraints(XGBoostHyperparametersTest.parse("interaction_constraints", "[[0,7]]"), 3))
        .get().asString().contains("names feature 7, but the training data has 3 feature(s), indices 0 to 2");
    assertThat(DataChecks.constraints(XGBoostHyperparametersTest.parse("monotone_constraints", "(1,-1)"), 3))
        .isEmpty();
  }
}
