package io.kiln.algorithms.fm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Factorization Machines' hyperparameters: SageMaker's defaults, and one clear user error per rule kind. */
class FmHyperparametersTest {
  private static final String[] REQUIRED = {"predictor_type", "binary_classifier", "feature_dim", "30",
      "num_factors", "8"};

  private static FmHyperparameters parse(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < REQUIRED.length; i += 2) {
      m.put(REQUIRED[i], REQUIRED[i + 1]);
    }
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] == null) {
        m.remove(kv[i]);
      } else {
        m.put(kv[i], kv[i + 1]);
      }
    }
    return FmHyperparameters.parse(m);
  }

  private static void refused(String message, String... kv) {
    assertThatThrownBy(() -> parse(kv)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  @Test
  void sageMakersDefaults() {
    FmHyperparameters hp = parse();
    assertThat(hp.predictorType()).isEqualTo("binary_classifier");
    assertThat(hp.featureDim()).isEqualTo(30);
    assertThat(hp.numFactors()).isEqualTo(8);
    assertThat(hp.epochs()).isEqualTo(1);
    assertThat(hp.miniBatchSize()).isEqualTo(1000);
    assertThat(hp.lr()).containsExactly(0.1, 0.001, 0.0001);
    assertThat(hp.wd()).containsExactly(0.01, 0.001, 0.00001);
    assertThat(hp.init()).containsExactly(new FmHyperparameters.Init("normal", 0.01),
        new FmHyperparameters.Init("normal", 0.01), new FmHyperparameters.Init("normal", 0.001));
    assertThat(hp.clipGradient()).isNaN();
    assertThat(hp.rescaleGrad()).isNaN();
    assertThat(hp.eps()).isEqualTo(1e-8);
    FmHyperparameters set = parse("factors_init_method", "uniform", "factors_init_scale", "0.2", "bias_init_method",
        "constant", "bias_init_value", "-1.5", "clip_gradient", "5", "_tuning_objective_metric", "test:rmse",
        "sagemaker_region", "us-east-1");
    assertThat(set.init()[2]).isEqualTo(new FmHyperparameters.Init("uniform", 0.2));
    assertThat(set.init()[0]).isEqualTo(new FmHyperparameters.Init("constant", -1.5));
    assertThat(set.clipGradient()).isEqualTo(5);
    assertThat(set.tuningObjective()).isEqualTo("test:rmse");
    assertThat(FmHyperparameters.names()).hasSize(26);
  }

  @Test
  void oneErrorPerRuleKind() {
    // missing required keys
    refused("Missing required hyperparameter num_factors: set the factorization's dimension (a positive integer; "
        + "SageMaker suggests 64)", "num_factors", null);
    refused("Missing required hyperparameter feature_dim: set it to the number of features of the input (a "
        + "positive integer)", "feature_dim", null);
    refused("Missing required hyperparameter predictor_type: one of binary_classifier, regressor",
        "predictor_type", null);
    // categorical
    refused("Hyperparameter predictor_type=multiclass_classifier is not valid: expected one of binary_classifier, "
        + "regressor", "predictor_type", "multiclass_classifier");
    // whole number and its range
    refused("Hyperparameter num_factors=0 is not valid: expected a whole number >= 1", "num_factors", "0");
    refused("Hyperparameter epochs=1.5 is not valid: expected a whole number >= 1", "epochs", "1.5");
    // non-negative number
    refused("Hyperparameter linear_lr=-0.1 is not valid: expected a number in [0, inf)", "linear_lr", "-0.1");
    // any finite number
    refused("Hyperparameter rescale_grad=abc is not valid: expected a number in (-inf, inf)", "rescale_grad", "abc");
    // positive number
    refused("Hyperparameter eps=0 is not valid: expected a number in (0, inf)", "eps", "0");
    // an init method without its parameter
    refused("Hyperparameter linear_init_method=uniform needs linear_init_scale, which has no default: set "
        + "linear_init_scale (values are drawn from [-linear_init_scale, +linear_init_scale]) or use "
        + "linear_init_method=normal", "linear_init_method", "uniform");
    refused("Hyperparameter factors_init_method=constant needs factors_init_value, which has no default: set "
        + "factors_init_value (every factors weight starts at it) or use factors_init_method=normal",
        "factors_init_method", "constant");
    // not a Factorization Machines hyperparameter
    assertThatThrownBy(() -> parse("factor_lr", "0.1")).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).startsWith("Hyperparameter factor_lr=").contains("is not a Factorization Machines "
          + "hyperparameter", "factors_lr", "(extraneous hyperparameter)");
    });
  }
}
