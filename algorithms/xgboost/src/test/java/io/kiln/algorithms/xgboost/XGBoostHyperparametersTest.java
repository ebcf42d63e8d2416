package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hyperparameters and metrics as SageMaker's XGBoost 1.7-1 container takes them
 * ({@code constants/xgb_constants.py}, {@code algorithm_mode/hyperparameter_validation.py},
 * {@code algorithm_mode/train_utils.py}), refused before training where XGBoost would fail later.
 */
class XGBoostHyperparametersTest {

  static XGBoostHyperparameters parse(String... kv) {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("num_round", "10");
    for (int i = 0; i < kv.length; i += 2) {
      raw.put(kv[i], kv[i + 1]);
    }
    if (raw.getOrDefault("objective", "").startsWith("multi:")) {
      raw.putIfAbsent("num_class", "3");
    }
    return XGBoostHyperparameters.parse(raw);
  }

  static void refused(String message, String... kv) {
    assertThatThrownBy(() -> parse(kv)).isInstanceOf(KilnException.class)
        .satisfies(e -> assertThat(((KilnException) e).type()).isEqualTo(ErrorType.USER))
        .hasMessageContaining(message);
  }

  // the container's two lists, as its constants/xgb_constants.py (branch 1.7-1) has them
  static final List<String> CONTAINER_MAXIMIZE = List.of("accuracy", "auc", "aucpr", "balanced_accuracy", "f1",
      "f1_binary", "f1_macro", "map", "ndcg", "precision", "r2", "recall", "precision_macro", "precision_micro",
      "recall_macro", "recall_micro");
  static final List<String> CONTAINER_MINIMIZE = List.of("aft-nloglik", "cox-nloglik", "error", "gamma-deviance",
      "gamma-nloglik", "interval-regression-accuracy", "logloss", "mae", "mape", "merror", "mlogloss", "mphe", "mse",
      "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik");

  /** An objective each metric applies to (the container's rules: auc binary/rank, f1_binary binary ...). */
  static String objectiveFor(String metric) {
    return switch (metric) {
      case "merror", "mlogloss" -> "multi:softprob";
      case "accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "precision", "recall",
          "precision_macro", "precision_micro", "recall_macro", "recall_micro", "error", "logloss" -> "binary:logistic";
      case "map", "ndcg" -> "rank:pairwise";
      default -> "reg:squarederror";
    };
  }

  @Test
  void everyEvalMetricOfTheContainerIsAcceptedWithItsDirection() {
    List<String> all = new ArrayList<>(CONTAINER_MAXIMIZE);
    all.addAll(CONTAINER_MINIMIZE);
    for (String m : all) {
      if (Set.of("aft-nloglik", "interval-regression-accuracy").contains(m)) {
        continue; // refused with a reason, below
      }
      XGBoostHyperparameters hp = parse("objective", objectiveFor(m), "eval_metric", m);
      assertThat(hp.evalMetrics()).as(m).containsExactly(m);
      assertThat(XGBoostMetrics.maximize(m)).as("direction of %s", m).isEqualTo(CONTAINER_MAXIMIZE.contains(m));
    }
    // the thresholds the container accepts, and their base name's direction
    assertThat(parse("objective", "binary:logistic", "eval_metric", "error@0.7").evalMetrics()).containsExactly(
        "error@0.7");
    assertThat(parse("objective", "rank:ndcg", "eval_metric", "ndcg@5,map@3").evalMetrics()).containsExactly(
        "ndcg@5", "map@3");
    assertThat(XGBoostMetrics.maximize("ndcg@5")).isTrue();
    assertThat(XGBoostMetrics.maximize("error@0.7")).isFalse();
    // the metrics the container computes itself are Kiln's too; the others XGBoost's
    assertThat(parse("objective", "binary:logistic", "eval_metric", "f1,auc,rmse").computedMetrics())
        .containsExactly("f1", "rmse");
  }

  @Test
  void theAlgorithmListsEveryContainerMetricPerChannelFilteredByObjective() {
    List<MetricDescriptor> binary = new XGBoostAlgorithm().metrics(Map.of("objective", "binary:logistic"),
        Set.of("train", "validation"));
    assertThat(binary).contains(new MetricDescriptor("validation:f1", true),
        new MetricDescriptor("validation:balanced_accuracy", true), new MetricDescriptor("train:logloss", false),
        new MetricDescriptor("validation:precision_micro", true));
    assertThat(binary).extracting(MetricDescriptor::name).doesNotContain("validation:mlogloss", "validation:merror");
    List<MetricDescriptor> multi = new XGBoostAlgorithm().metrics(Map.of("objective", "multi:softmax",
        "num_class", "3"), Set.of("train", "validation"));
    assertThat(multi).extracting(MetricDescriptor::name).contains("validation:f1", "validation:merror")
        .doesNotContain("validation:auc", "validation:f1_binary", "validation:error");
  }

  @Test
  void metricsTheContainerAcceptsButXGBoostCannotComputeAreRefusedSayingWhy() {
    refused("needs each row's lower and upper label bounds", "objective", "reg:squarederror", "eval_metric",
        "aft-nloglik");
    refused("metric 'auc' can only be applied for classification and ranking problems", "objective",
        "reg:squarederror", "eval_metric", "auc");
    refused("use merror or mlogloss for multi-class classification", "objective", "multi:softmax", "num_class", "3",
        "eval_metric", "error");
    refused("a multi-class metric, but objective=binary:logistic predicts one value per row", "objective",
        "binary:logistic", "eval_metric", "merror");
    refused("Target is multiclass but average='binary'", "objective", "multi:softprob", "num_class", "3",
        "eval_metric", "f1_binary");
    refused("only error@t, ndcg@k, map@k", "objective", "binary:logistic", "eval_metric", "logloss@3");
    refused("did you mean 'f1'", "objective", "binary:logistic", "eval_metric", "f11");
  }

  @Test
  void numClassIsOnlyForMultiClassObjectives() {
    // the example: binary:logistic with num_class=2 is refused at validation
    refused("Hyperparameter num_class=2 is only for multi-classification (objective multi:softmax or multi:softprob)"
        + ", but objective=binary:logistic predicts one value per row: remove num_class", "objective",
        "binary:logistic", "num_class", "2");
    refused("num_class=4 is only for multi-classification", "num_class", "4");
    assertThat(parse("objective", "multi:softprob", "num_class", "4").numClass()).isEqualTo(4);
  }

  @Test
  void theTuningObjectiveIsEvaluatedAndDrivesEarlyStoppingAsInTheContainer() {
    // a trial of a tuning job on validation:auc, without eval_metric
    XGBoostHyperparameters trial = parse("objective", "binary:logistic", "_tuning_objective_metric", "validation:auc",
        "early_stopping_rounds", "5");
    assertThat(trial.evalMetrics()).containsExactly("auc");
    assertThat(trial.earlyStoppingMetric()).isEqualTo("auc");
    // with eval_metric: the objective is added, and it, not the last eval_metric, is watched
    XGBoostHyperparameters both = parse("objective", "binary:logistic", "eval_metric", "logloss,error",
        "_tuning_objective_metric", "validation:f1", "early_stopping_rounds", "5");
    assertThat(both.evalMetrics()).containsExactly("logloss", "error", "f1");
    assertThat(both.earlyStoppingMetric()).isEqualTo("f1");
    // without a tuning objective: the last eval_metric; without eval_metric either: none (the container's rule)
    assertThat(parse("objective", "binary:logistic", "eval_metric", "auc,logloss", "early_stopping_rounds", "5")
        .earlyStoppingMetric()).isEqualTo("logloss");
    assertThat(parse("objective", "binary:logistic", "early_stopping_rounds", "5").earlyStoppingMetric()).isNull();
    refused("names 'accuracy', a classification metric", "objective", "reg:squarederror", "_tuning_objective_metric",
        "validation:accuracy");
  }

  @Test
  void whatNativeXGBoostRefusesAboutParametersIsRefusedBeforeTraining() {
    refused("base_score must be in (0,1) for the logistic loss", "objective", "binary:logistic", "base_score", "1");
    refused("base_score must be > 0", "objective", "count:poisson", "base_score", "0");
    refused("quantile_alpha=1.5 is not valid", "objective", "reg:quantileerror", "quantile_alpha", "1.5");
    refused("monotone_constraints=(1,2) is not valid", "monotone_constraints", "(1,2)");
    refused("interaction_constraints=[0,1] is not valid", "interaction_constraints", "[0,1]");
    refused("objective=survival:aft needs each row's lower and upper label bounds", "objective", "survival:aft");
    assertThat(XGBoostHyperparameters.interactionConstraints("[[0, 1], [2,3,4]]")).hasSize(2);
    assertThat(XGBoostHyperparameters.monotoneConstraints("(1,0,-1)")).containsExactly(1, 0, -1);
  }

  @Test
  void xgboostsEvaluationLineIsParsedWithNanAndInfinity() {
    // native XGBoost prints nan for auc on one class and -nan for rmsle below -1 (seen with 1.7.4 and 3.1.1)
    assertThat(XGBoostWorker.parse("[3]\ttrain-auc:nan\tvalidation-rmsle:-nan\tvalidation-poisson-nloglik:inf"
        + "\ttrain-ndcg@32:0.5"))
        .containsEntry("train:auc", Double.NaN).containsEntry("validation:rmsle", Double.NaN)
        .containsEntry("validation:poisson-nloglik", Double.POSITIVE_INFINITY).containsEntry("train:ndcg@32", 0.5);
  }

  @Test
  void withOnlyTheContainersMetricsXGBoostsDefaultMetricIsReportedToo() {
    // the container then leaves eval_metric unset, so XGBoost evaluates its default beside the custom ones
    assertThat(parse("objective", "binary:logistic", "eval_metric", "f1,accuracy").reportedMetrics())
        .containsExactly("logloss", "f1", "accuracy");
    assertThat(parse("objective", "binary:logistic", "eval_metric", "f1,auc").reportedMetrics())
        .containsExactly("f1", "auc");
    assertThat(parse("objective", "rank:pairwise").reportedMetrics()).containsExactly("ndcg@32");
  }

  /**
   * Newcomer item 9: metrics are reported in the order given, as native XGBoost and the container
   * log them, also when the objective's default (rmse) is among the container's own metrics asked for.
   */
  @Test
  void metricsKeepTheOrderGivenWhenTheDefaultIsAmongThem() {
    assertThat(parse("eval_metric", "mae,rmse,r2").reportedMetrics()).containsExactly("mae", "rmse", "r2");
    assertThat(parse("objective", "reg:absoluteerror", "eval_metric", "r2,mae").reportedMetrics())
        .containsExactly("r2", "mae");
    assertThat(parse("eval_metric", "r2,mae").reportedMetrics()).containsExactly("rmse", "r2", "mae");
    assertThat(parse("eval_metric", "mae,rmse,r2", "early_stopping_rounds", "3").earlyStoppingMetric())
        .isEqualTo("r2");
  }

  /**
   * Newcomer item 4: a name that is not a metric gets the closest one (the hyperparameters' "did you
   * mean" helper, then the metric the name starts with) and the accepted list names the
   * parameterised forms.
   */
  @Test
  void anUnknownMetricGetsTheClosestNameAndTheParameterisedForms() {
    refused("Hyperparameter eval_metric=auc_macro names 'auc_macro', which is not a metric; did you mean 'auc'?; "
        + "accepted: accuracy, auc, aucpr,", "objective", "binary:logistic", "eval_metric", "auc_macro");
    refused("and the parameterised forms error@t, ndcg@k, map@k, pre@k, ndcg-, map-, pre-, ndcg@k-, map@k-, pre@k-, "
        + "tweedie-nloglik@rho (t a threshold such as 0.7, k a cut-off such as 10", "eval_metric", "auc_macro");
    refused("names 'f1-macro', which is not a metric; did you mean 'f1_macro'?", "objective", "binary:logistic",
        "eval_metric", "f1-macro");
    refused("names 'rmse_log', which is not a metric; did you mean 'rmse'?", "eval_metric", "rmse_log");
    refused("names 'ndgc-', which is not a metric; did you mean 'ndcg'?", "eval_metric", "ndgc-");
    // so does a misspelt choice of a categorical hyperparameter
    refused("Hyperparameter objective=binary:logstic is not valid: expected one of ", "objective", "binary:logstic");
    refused("; did you mean 'binary:logistic'?", "objective", "binary:logstic");
    refused("; did you mean 'hist'?", "tree_method", "hits");
    // the tuning objective's metric gets the same
    refused("The tuning objective validation:aucc (_tuning_objective_metric) names 'aucc', which is not a metric; "
        + "did you mean 'auc'?", "objective", "binary:logistic", "_tuning_objective_metric", "validation:aucc");
  }

  @Test
  void earlyStoppingWithALinearBoosterIsRefusedAndWithoutItsInputsExplained() {
    refusedNote("cannot (its rounds are not separate trees", true, "booster", "gblinear", "eval_metric", "rmse",
        "early_stopping_rounds", "3");
    assertThat(XGBoostAlgorithm.earlyStoppingNote(parse("booster", "gblinear", "eval_metric", "rmse",
        "early_stopping_rounds", "3"), false)).get().asString().contains("needs a validation channel");
    assertThat(XGBoostAlgorithm.earlyStoppingNote(parse("early_stopping_rounds", "3"), true)).get().asString()
        .contains("needs eval_metric (or a tuning objective)");
    assertThat(XGBoostAlgorithm.earlyStoppingNote(parse("eval_metric", "rmse", "early_stopping_rounds", "3"), true))
        .isEmpty();
  }

  static void refusedNote(String message, boolean validation, String... kv) {
    XGBoostHyperparameters hp = parse(kv);
    assertThatThrownBy(() -> XGBoostAlgorithm.earlyStoppingNote(hp, validation)).isInstanceOf(KilnException.class)
        .hasMessageContaining(message);
  }
}
