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
    // newcomer item 2: XGBoost 3 refuses graded map labels where the 1.7 container counted label > 0 as relevant;
    // the refusal says so and gives both fixes
    refuses(0, "eval_metric map@3 needs binary relevance labels (XGBoost 3 refuses graded ones; SageMaker's 1.7 "
        + "container counted every label > 0 as relevant); give 1 for relevant rows and 0 for the others, or use "
        + "eval_metric ndcg, which takes graded relevance", new float[] {2}, "eval_metric", "map@3");
    refuses(0, "or use objective=rank:ndcg, which takes graded relevance", new float[] {2}, "objective", "rank:map");
    accepts(new float[] {-5, 1e6f}, "objective", "reg:squarederror");
    accepts(new float[] {-1, 2}, "objective", "survival:cox");
  }

  static String fix(String objective, float... labels) {
    LabeledData d = new LabeledData(labels.length, 1, labels, null, new float[labels.length], null, null, null);
    return DataChecks.fix(objective, DataChecks.LabelStats.of(d));
  }

  /** Newcomer item 3: the fix for a label the objective refuses fits the job's labels, not just "use 0 and 1". */
  @Test
  void theFixForARefusedLabelFitsEveryLabelOfTheJob() {
    // the refusal itself leaves the fix to the caller, who knows every worker's labels
    Optional<DataChecks.RowProblem> p = first(XGBoostHyperparametersTest.parse("objective", "binary:logistic"),
        new float[] {0, 1, 3}, null);
    assertThat(p.get().needsFix()).isTrue();
    assertThat(p.get().message()).endsWith("(label must be in [0,1] for logistic regression)");
    assertThat(fix("binary:logistic", 0, 1, 2, 3)).isEqualTo("; the labels look like classes 0 to 3: for 4 classes "
        + "use objective=multi:softprob (or multi:softmax) with num_class=4");
    assertThat(fix("binary:hinge", 1, 2, 3)).contains("classes 1 to 3: number the classes from 0 (0 to 2)")
        .contains("num_class=3");
    assertThat(fix("reg:logistic", 0, 5, 2)).contains("multi:softprob").contains("num_class=6");
    assertThat(fix("reg:logistic", 0, 1.5f)).isEqualTo("; scale the labels into [0, 1], or use "
        + "objective=reg:squarederror for values outside it");
    assertThat(fix("binary:logistic", -1, 1)).isEqualTo("; use 0 and 1 for the two classes (-1 becomes 0)");
    assertThat(fix("binary:logistic", 0, 1.5f)).contains("or objective=reg:squarederror to predict a number");
    assertThat(fix("count:poisson", -2, 4)).contains("objective=reg:squarederror");
    assertThat(fix("reg:gamma", 0, 4)).contains("objective=reg:tweedie");
    // workers' stats add up to the job's
    DataChecks.LabelStats a = DataChecks.LabelStats.parse(new DataChecks.LabelStats(0, 1, true).encode());
    assertThat(a.merge(new DataChecks.LabelStats(1, 3, true))).isEqualTo(new DataChecks.LabelStats(0, 3, true));
    assertThat(a.merge(DataChecks.LabelStats.NONE)).isEqualTo(a);
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
