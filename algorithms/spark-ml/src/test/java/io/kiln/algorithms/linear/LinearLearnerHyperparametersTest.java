package io.kiln.algorithms.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Linear Learner's hyperparameters: SageMaker's defaults, and one clear user error per rule kind. */
class LinearLearnerHyperparametersTest {

  private static LinearLearnerHyperparameters parse(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return LinearLearnerHyperparameters.parse(m);
  }

  private static void refused(String message, String... kv) {
    assertThatThrownBy(() -> parse(kv)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void sageMakersDefaults() {
    LinearLearnerHyperparameters hp = parse("predictor_type", "binary_classifier");
    assertThat(hp.epochs()).isEqualTo(15);
    assertThat(hp.miniBatchSize()).isEqualTo(1000);
    assertThat(hp.loss()).isEqualTo("logistic");
    assertThat(hp.optimizer()).isEqualTo("adam");
    assertThat(hp.selectionCriterion()).isEqualTo("accuracy");
    assertThat(hp.targetPrecision()).isEqualTo(0.8);
    assertThat(hp.targetRecall()).isEqualTo(0.8);
    assertThat(hp.positiveExampleWeightMult()).isEqualTo(1.0);
    assertThat(hp.earlyStoppingPatience()).isEqualTo(3);
    assertThat(hp.earlyStoppingTolerance()).isEqualTo(0.001);
    assertThat(hp.accuracyTopK()).isEqualTo(3);
    assertThat(hp.huberDelta()).isEqualTo(1.0);
    assertThat(hp.quantile()).isEqualTo(0.5);
    assertThat(hp.normalizeData()).isTrue();
    assertThat(hp.normalizeLabel()).isFalse(); // classifiers keep their labels
    assertThat(hp.useBias()).isTrue();
    assertThat(hp.numModels()).isEqualTo(8);
    assertThat(hp.numCalibrationSamples()).isEqualTo(10_000_000L);
    assertThat(hp.numPointForScaler()).isEqualTo(10_000);
    assertThat(parse("predictor_type", "regressor").loss()).isEqualTo("squared_loss");
    assertThat(parse("predictor_type", "regressor").normalizeLabel()).isTrue();
    assertThat(parse("predictor_type", "multiclass_classifier", "num_classes", "3").loss()).isEqualTo("softmax_loss");
  }

  @Test
  void autoBalancedAndTheTunersKeys() {
    LinearLearnerHyperparameters hp = parse("predictor_type", "binary_classifier", "wd", "auto", "learning_rate",
        "AUTO", "positive_example_weight_mult", "balanced", "_tuning_objective_metric", "validation:roc_auc_score",
        "sagemaker_container_log_level", "20", "num_models", "4");
    assertThat(hp.positiveExampleWeightMult()).isEqualTo(-1);
    assertThat(hp.numModels()).as("SageMaker's tuner sets num_models to 1").isEqualTo(1);
    assertThat(hp.tuningObjective()).isEqualTo("validation:roc_auc_score");
    LinearLearnerHyperparameters given = parse("predictor_type", "regressor", "learning_rate", "0.5", "wd", "0.01",
        "num_models", "3");
    assertThat(given.models()).allSatisfy(m -> {
      assertThat(m.learningRate()).isEqualTo(0.5);
      assertThat(m.wd()).isEqualTo(0.01);
    });
    // the models vary what is left auto, every one different
    assertThat(parse("predictor_type", "regressor", "num_models", "20").models()).doesNotHaveDuplicates().hasSize(20);
    assertThat(parse("predictor_type", "regressor", "num_models", "20", "wd", "0.1").models()).extracting(
        LinearLearnerHyperparameters.ModelSetting::learningRate).doesNotHaveDuplicates();
    assertThat(parse("predictor_type", "regressor", "num_models", "20", "learning_rate", "0.1").models()).extracting(
        LinearLearnerHyperparameters.ModelSetting::wd).doesNotHaveDuplicates();
    assertThat(parse("predictor_type", "regressor").models().get(0))
        .isEqualTo(new LinearLearnerHyperparameters.ModelSetting(0.02, 0, 0));
  }

  @Test
  void oneClearErrorPerRuleKind() {
    refused("Missing required hyperparameter predictor_type: one of binary_classifier, multiclass_classifier, "
        + "regressor", "epochs", "3");
    // a choice, misspelt: the closest one
    refused("Hyperparameter predictor_type=binary_clasifier is not valid: expected one of binary_classifier, "
        + "multiclass_classifier, regressor; did you mean 'binary_classifier'?", "predictor_type", "binary_clasifier");
    // a whole number
    refused("Hyperparameter mini_batch_size=0 is not valid: expected a whole number >= 1",
        "predictor_type", "regressor", "mini_batch_size", "0");
    refused("Hyperparameter num_classes=2 is not valid: expected a whole number from 3 to 1000000",
        "predictor_type", "multiclass_classifier", "num_classes", "2");
    // a number in a range, open and closed bounds
    refused("Hyperparameter target_recall=1 is not valid: expected a number in (0, 1)",
        "predictor_type", "binary_classifier", "target_recall", "1");
    // a number or auto
    refused("Hyperparameter wd=-1 is not valid: expected a number in [0, inf) or auto",
        "predictor_type", "binary_classifier", "wd", "-1");
    refused("Hyperparameter learning_rate=fast is not valid: expected a number in (0, inf) or auto",
        "predictor_type", "binary_classifier", "learning_rate", "fast");
    refused("Hyperparameter positive_example_weight_mult=0 is not valid: expected a number in (0, inf), auto or "
        + "balanced", "predictor_type", "binary_classifier", "positive_example_weight_mult", "0");
    // an unknown key: the closest name
    refused("Hyperparameter epoch=3 is not a Linear Learner hyperparameter; did you mean 'epochs'? (extraneous "
        + "hyperparameter)", "predictor_type", "binary_classifier", "epoch", "3");
    // rules between keys
    refused("Hyperparameter num_classes is required with predictor_type=multiclass_classifier: set it to the number "
        + "of classes (3 to 1,000,000; labels 0 to num_classes - 1)", "predictor_type", "multiclass_classifier");
    refused("Hyperparameter loss=squared_loss does not fit predictor_type=binary_classifier: use one of logistic, "
        + "hinge_loss or auto", "predictor_type", "binary_classifier", "loss", "squared_loss");
    refused("Hyperparameter loss=logistic does not fit predictor_type=regressor: use one of squared_loss, "
        + "absolute_loss, eps_insensitive_squared_loss, eps_insensitive_absolute_loss, quantile_loss, huber_loss or "
        + "auto", "predictor_type", "regressor", "loss", "logistic");
    refused("Hyperparameter binary_classifier_model_selection_criteria=cross_entropy_loss needs loss=logistic, but "
        + "loss=hinge_loss: use loss_function to select by the model's own loss", "predictor_type",
        "binary_classifier", "loss", "hinge_loss", "binary_classifier_model_selection_criteria", "cross_entropy_loss");
  }
}
