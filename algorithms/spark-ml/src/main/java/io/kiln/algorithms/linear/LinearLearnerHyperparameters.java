package io.kiln.algorithms.linear;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker Linear Learner's hyperparameters, validated: the names, defaults and accepted values of
 * SageMaker's "Linear learner hyperparameters" table
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/ll_hyperparameters.html) and of the SageMaker
 * Python SDK's {@code LinearLearner} estimator (which also takes {@code f1} and
 * {@code cross_entropy_loss} as selection criteria). Values SageMaker leaves to {@code auto} are
 * resolved here to what Kiln uses (docs/built-ins.md, "Linear Learner"): the loss from the predictor
 * type, {@code optimizer=adam}, {@code num_models=8} (1 in a tuning trial, as SageMaker's tuner sets
 * it), a learning rate of 0.02 for adam and rmsprop and 0.1 for sgd, weight decay 0 and l1 0 for the
 * first model (the others vary the ones left {@code auto}: learning rates 0.05 to 3 times the first
 * model's, weight decays 0 to 0.01; {@link #modelSettings()}).
 *
 * @param predictorType {@code binary_classifier}, {@code multiclass_classifier} or {@code regressor}
 *     (required)
 * @param numClasses classes for {@code multiclass_classifier} (3 to 1,000,000); 2 for a binary
 *     classifier, 1 for a regressor
 * @param featureDim the feature count the data must have, or 0 for {@code auto}
 * @param loss the resolved loss ({@code logistic}, {@code hinge_loss}, {@code softmax_loss},
 *     {@code squared_loss}, {@code absolute_loss}, {@code eps_insensitive_squared_loss},
 *     {@code eps_insensitive_absolute_loss}, {@code quantile_loss}, {@code huber_loss})
 * @param optimizer {@code adam}, {@code sgd} or {@code rmsprop}
 * @param miniBatchSize rows per minibatch on each worker (default 1000)
 * @param epochs passes over the training data (default 15)
 * @param numModels models trained at once (resolved)
 * @param models each model's learning rate, L2 weight decay and L1 weight
 * @param normalizeData scale (and, for dense data, centre) the features (default true)
 * @param centerData centre the features: {@code unbias_data}, by default only for dense data
 *     (null: decided by the data)
 * @param normalizeLabel scale and centre the label of a regressor (default true for regressors)
 * @param useBias fit a bias term (default true)
 * @param momentum sgd's momentum (auto: 0.9)
 * @param beta1 adam's first-moment decay (auto: 0.9)
 * @param beta2 adam's second-moment decay (auto: 0.999)
 * @param biasLrMult the bias's learning rate over the weights' (auto: 1)
 * @param biasWdMult the bias's weight decay over the weights' (auto: 0, no decay on the bias)
 * @param useLrScheduler decay the learning rate (default true)
 * @param lrSchedulerStep steps between decays, 0 for auto (once per epoch)
 * @param lrSchedulerFactor the decay factor (auto: 0.99)
 * @param lrSchedulerMinimumLr the floor of the decayed rate (auto: 1e-5)
 * @param initMethod {@code uniform} (default) or {@code normal}
 * @param initScale the uniform initialisation's half range (default 0.07)
 * @param initSigma the normal initialisation's standard deviation (default 0.01)
 * @param initBias the initial bias (default 0)
 * @param selectionCriterion {@code binary_classifier_model_selection_criteria} (default accuracy)
 * @param targetPrecision for {@code recall_at_target_precision} (default 0.8)
 * @param targetRecall for {@code precision_at_target_recall} (default 0.8)
 * @param positiveExampleWeightMult the positive examples' weight, or -1 for {@code balanced}
 *     (default 1.0)
 * @param balanceMulticlassWeights weight each class by the inverse of its frequency (default false)
 * @param earlyStoppingPatience epochs without improvement before training ends (default 3)
 * @param earlyStoppingTolerance the relative improvement that counts (default 0.001)
 * @param accuracyTopK k of {@code multiclass_top_k_accuracy} (default 3)
 * @param fBeta beta of {@code binary_f_beta} and {@code macro_f_beta} (default 1.0)
 * @param huberDelta the huber loss's threshold (default 1.0)
 * @param quantile the quantile loss's quantile (default 0.5)
 * @param lossInsensitivity the eps-insensitive losses' epsilon (default 0.01)
 * @param margin the hinge loss's margin (default 1.0)
 * @param numPointForScaler rows used to compute the normalisation (default 10,000)
 * @param numCalibrationSamples rows used to select the model and its threshold (default 10,000,000)
 * @param tuningObjective {@code _tuning_objective_metric} when SageMaker's tuner runs the job, or null
 */
public record LinearLearnerHyperparameters(
    String predictorType,
    int numClasses,
    int featureDim,
    String loss,
    String optimizer,
    int miniBatchSize,
    int epochs,
    int numModels,
    List<ModelSetting> models,
    boolean normalizeData,
    Boolean centerData,
    boolean normalizeLabel,
    boolean useBias,
    double momentum,
    double beta1,
    double beta2,
    double biasLrMult,
    double biasWdMult,
    boolean useLrScheduler,
    int lrSchedulerStep,
    double lrSchedulerFactor,
    double lrSchedulerMinimumLr,
    String initMethod,
    double initScale,
    double initSigma,
    double initBias,
    String selectionCriterion,
    double targetPrecision,
    double targetRecall,
    double positiveExampleWeightMult,
    boolean balanceMulticlassWeights,
    int earlyStoppingPatience,
    double earlyStoppingTolerance,
    int accuracyTopK,
    double fBeta,
    double huberDelta,
    double quantile,
    double lossInsensitivity,
    double margin,
    int numPointForScaler,
    long numCalibrationSamples,
    String tuningObjective) implements Serializable {

  /**
   * One of the models trained at once.
   *
   * @param learningRate its learning rate
   * @param wd its L2 weight decay
   * @param l1 its L1 weight
   */
  public record ModelSetting(double learningRate, double wd, double l1) implements Serializable {}

  public LinearLearnerHyperparameters {
    models = List.copyOf(models);
  }

  public static final String BINARY = "binary_classifier";
  public static final String MULTICLASS = "multiclass_classifier";
  public static final String REGRESSOR = "regressor";

  static final List<String> BINARY_LOSSES = List.of("logistic", "hinge_loss");
  static final List<String> REGRESSION_LOSSES = List.of("squared_loss", "absolute_loss",
      "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss");
  static final List<String> CRITERIA = List.of("accuracy", "f1", "f_beta", "precision_at_target_recall",
      "recall_at_target_precision", "cross_entropy_loss", "loss_function");

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();
  /** Keys whose value may also be {@code auto}. */
  private static final Set<String> AUTO = Set.of("feature_dim", "loss", "optimizer", "learning_rate", "l1", "wd",
      "momentum", "beta_1", "beta_2", "bias_lr_mult", "bias_wd_mult", "lr_scheduler_step", "lr_scheduler_factor",
      "lr_scheduler_minimum_lr", "num_models", "normalize_data", "normalize_label", "unbias_data", "unbias_label",
      "positive_example_weight_mult");

  static {
    double inf = Double.POSITIVE_INFINITY;
    int max = Integer.MAX_VALUE;
    RULES.put("predictor_type", HyperparameterRule.oneOf(BINARY, MULTICLASS, REGRESSOR));
    RULES.put("num_classes", HyperparameterRule.integer(3, 1_000_000));
    RULES.put("feature_dim", HyperparameterRule.integer(1, max));
    RULES.put("accuracy_top_k", HyperparameterRule.integer(1, max));
    RULES.put("balance_multiclass_weights", HyperparameterRule.oneOf("true", "false"));
    RULES.put("beta_1", HyperparameterRule.number(0, false, 1, true));
    RULES.put("beta_2", HyperparameterRule.number(0, false, 1, true));
    RULES.put("bias_lr_mult", HyperparameterRule.number(0, true, inf, false));
    RULES.put("bias_wd_mult", HyperparameterRule.number(0, false, inf, false));
    RULES.put("binary_classifier_model_selection_criteria", HyperparameterRule.oneOf(CRITERIA.toArray(String[]::new)));
    RULES.put("early_stopping_patience", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping_tolerance", HyperparameterRule.number(0, true, inf, false));
    RULES.put("epochs", HyperparameterRule.integer(1, max));
    RULES.put("f_beta", HyperparameterRule.number(0, true, inf, false));
    RULES.put("huber_delta", HyperparameterRule.number(0, true, inf, false));
    RULES.put("init_bias", HyperparameterRule.number(Double.NEGATIVE_INFINITY, true, inf, true));
    RULES.put("init_method", HyperparameterRule.oneOf("uniform", "normal"));
    RULES.put("init_scale", HyperparameterRule.number(0, true, inf, false));
    RULES.put("init_sigma", HyperparameterRule.number(0, true, inf, false));
    RULES.put("l1", HyperparameterRule.number(0, false, inf, false));
    RULES.put("learning_rate", HyperparameterRule.number(0, true, inf, false));
    RULES.put("loss", HyperparameterRule.oneOf("logistic", "squared_loss", "absolute_loss", "hinge_loss",
        "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss",
        "softmax_loss"));
    RULES.put("loss_insensitivity", HyperparameterRule.number(0, true, inf, false));
    RULES.put("lr_scheduler_factor", HyperparameterRule.number(0, true, 1, false));
    RULES.put("lr_scheduler_minimum_lr", HyperparameterRule.number(0, true, inf, false));
    RULES.put("lr_scheduler_step", HyperparameterRule.integer(1, max));
    RULES.put("margin", HyperparameterRule.number(0, false, inf, false));
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, max));
    RULES.put("momentum", HyperparameterRule.number(0, false, 1, true));
    RULES.put("normalize_data", HyperparameterRule.oneOf("true", "false"));
    RULES.put("normalize_label", HyperparameterRule.oneOf("true", "false"));
    RULES.put("num_calibration_samples", HyperparameterRule.integer(1, Long.MAX_VALUE));
    RULES.put("num_models", HyperparameterRule.integer(1, 1024));
    RULES.put("num_point_for_scaler", HyperparameterRule.integer(1, max));
    RULES.put("optimizer", HyperparameterRule.oneOf("sgd", "adam", "rmsprop"));
    RULES.put("positive_example_weight_mult", HyperparameterRule.number(0, true, inf, false));
    RULES.put("quantile", HyperparameterRule.number(0, true, 1, true));
    RULES.put("target_precision", HyperparameterRule.number(0, true, 1, true));
    RULES.put("target_recall", HyperparameterRule.number(0, true, 1, true));
    RULES.put("unbias_data", HyperparameterRule.oneOf("true", "false"));
    RULES.put("unbias_label", HyperparameterRule.oneOf("true", "false"));
    RULES.put("use_bias", HyperparameterRule.oneOf("true", "false"));
    RULES.put("use_lr_scheduler", HyperparameterRule.oneOf("true", "false"));
    RULES.put("wd", HyperparameterRule.number(0, false, inf, false));
  }

  /** Every hyperparameter SageMaker's Linear Learner takes, in the documentation's order. */
  public static Set<String> names() {
    return RULES.keySet();
  }

  /** Learning-rate multipliers of models 0 to 7 (repeated, each round lower), when learning_rate is auto. */
  private static final double[] LR_GRID = {1, 0.1, 3, 0.3, 0.5, 0.05, 2, 0.2};
  /** Weight decays of models 0 to 7 (repeated, each round larger), when wd is auto. */
  private static final double[] WD_GRID = {0, 1e-5, 1e-4, 1e-3, 3e-5, 3e-4, 3e-3, 1e-2};

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad key, its
   * value and what is accepted.
   */
  public static LinearLearnerHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue; // the tuner's _tuning_objective_metric, the SDK's sagemaker_* keys
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not a Linear Learner hyperparameter" + Names.suggestion(key, RULES.keySet())
            + " (extraneous hyperparameter)");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      if (AUTO.contains(key) && value.equalsIgnoreCase("auto")) {
        continue; // auto is the default
      }
      if (key.equals("positive_example_weight_mult") && value.equalsIgnoreCase("balanced")) {
        v.put(key, "balanced");
        continue;
      }
      try {
        v.put(key, rule.check(key, value));
      } catch (KilnException bad) {
        String suggestion = rule instanceof HyperparameterRule.Categorical c ? Names.suggestion(value, c.values()) : "";
        String also = key.equals("positive_example_weight_mult") ? ", auto or balanced"
            : AUTO.contains(key) ? " or auto" : "";
        throw KilnException.user(bad.getMessage() + also + suggestion);
      }
    }
    String type = v.get("predictor_type");
    if (type == null) {
      throw KilnException.user("Missing required hyperparameter predictor_type: one of " + BINARY + ", "
          + MULTICLASS + ", " + REGRESSOR);
    }
    int numClasses = type.equals(BINARY) ? 2 : 1;
    if (type.equals(MULTICLASS)) {
      if (!v.containsKey("num_classes")) {
        throw KilnException.user("Hyperparameter num_classes is required with predictor_type=" + MULTICLASS
            + ": set it to the number of classes (3 to 1,000,000; labels 0 to num_classes - 1)");
      }
      numClasses = Integer.parseInt(v.get("num_classes"));
    }
    String loss = v.getOrDefault("loss", switch (type) {
      case BINARY -> "logistic";
      case MULTICLASS -> "softmax_loss";
      default -> "squared_loss";
    });
    List<String> allowed = switch (type) {
      case BINARY -> BINARY_LOSSES;
      case MULTICLASS -> List.of("softmax_loss");
      default -> REGRESSION_LOSSES;
    };
    if (!allowed.contains(loss)) {
      throw KilnException.user("Hyperparameter loss=" + loss + " does not fit predictor_type=" + type
          + ": use one of " + String.join(", ", allowed) + " or auto");
    }
    String criterion = v.getOrDefault("binary_classifier_model_selection_criteria", "accuracy");
    if (criterion.equals("cross_entropy_loss") && !loss.equals("logistic")) {
      throw KilnException.user("Hyperparameter binary_classifier_model_selection_criteria=cross_entropy_loss needs "
          + "loss=logistic, but loss=" + loss + ": use loss_function to select by the model's own loss");
    }
    String optimizer = v.getOrDefault("optimizer", "adam");
    String tuning = raw.get("_tuning_objective_metric");
    if (tuning != null && tuning.isBlank()) {
      tuning = null;
    }
    boolean lrAuto = !v.containsKey("learning_rate");
    boolean wdAuto = !v.containsKey("wd");
    double lr = lrAuto ? (optimizer.equals("sgd") ? 0.1 : 0.02) : Double.parseDouble(v.get("learning_rate"));
    double wd = wdAuto ? 0 : Double.parseDouble(v.get("wd"));
    double l1 = Double.parseDouble(v.getOrDefault("l1", "0"));
    // SageMaker: under automatic model tuning num_models is 1 whatever is set
    int numModels = tuning != null ? 1 : Integer.parseInt(v.getOrDefault("num_models", "8"));
    List<ModelSetting> models = new ArrayList<>();
    for (int m = 0; m < numModels; m++) {
      // model 0 has the given (or auto) settings; the others vary those left auto, every pair distinct
      int round = m / LR_GRID.length;
      double mlr = lrAuto ? lr * LR_GRID[m % LR_GRID.length] * Math.pow(0.7, round) : lr;
      double mwd = wdAuto ? WD_GRID[m % WD_GRID.length] * (round + 1) + 1e-6 * round : wd;
      models.add(new ModelSetting(mlr, mwd, l1));
    }
    boolean regressor = type.equals(REGRESSOR);
    boolean normalizeLabel = regressor && Boolean.parseBoolean(v.getOrDefault("normalize_label",
        v.getOrDefault("unbias_label", "true")));
    Boolean center = v.containsKey("unbias_data") ? Boolean.valueOf(v.get("unbias_data")) : null;
    String pew = v.getOrDefault("positive_example_weight_mult", "1.0");
    return new LinearLearnerHyperparameters(type, numClasses, Integer.parseInt(v.getOrDefault("feature_dim", "0")),
        loss, optimizer, Integer.parseInt(v.getOrDefault("mini_batch_size", "1000")),
        Integer.parseInt(v.getOrDefault("epochs", "15")), numModels, models,
        Boolean.parseBoolean(v.getOrDefault("normalize_data", "true")), center, normalizeLabel,
        Boolean.parseBoolean(v.getOrDefault("use_bias", "true")),
        d(v, "momentum", 0.9), d(v, "beta_1", 0.9), d(v, "beta_2", 0.999), d(v, "bias_lr_mult", 1),
        d(v, "bias_wd_mult", 0), Boolean.parseBoolean(v.getOrDefault("use_lr_scheduler", "true")),
        Integer.parseInt(v.getOrDefault("lr_scheduler_step", "0")), d(v, "lr_scheduler_factor", 0.99),
        d(v, "lr_scheduler_minimum_lr", 1e-5), v.getOrDefault("init_method", "uniform"), d(v, "init_scale", 0.07),
        d(v, "init_sigma", 0.01), d(v, "init_bias", 0), criterion, d(v, "target_precision", 0.8),
        d(v, "target_recall", 0.8), pew.equals("balanced") ? -1 : Double.parseDouble(pew),
        Boolean.parseBoolean(v.getOrDefault("balance_multiclass_weights", "false")),
        Integer.parseInt(v.getOrDefault("early_stopping_patience", "3")), d(v, "early_stopping_tolerance", 0.001),
        Integer.parseInt(v.getOrDefault("accuracy_top_k", "3")), d(v, "f_beta", 1.0), d(v, "huber_delta", 1.0),
        d(v, "quantile", 0.5), d(v, "loss_insensitivity", 0.01), d(v, "margin", 1.0),
        Integer.parseInt(v.getOrDefault("num_point_for_scaler", "10000")),
        Long.parseLong(v.getOrDefault("num_calibration_samples", "10000000")), tuning);
  }

  private static double d(Map<String, String> v, String key, double def) {
    return v.containsKey(key) ? Double.parseDouble(v.get(key)) : def;
  }

  /** The number of score columns: 1 for binary classifiers and regressors, num_classes otherwise. */
  public int outputs() {
    return predictorType.equals(MULTICLASS) ? numClasses : 1;
  }

  /** True for the two classifiers. */
  public boolean classifier() {
    return !predictorType.equals(REGRESSOR);
  }

  /** The learning-rate step count between decays: lr_scheduler_step, or (auto) the steps of an epoch. */
  public int schedulerStep(int stepsPerEpoch) {
    return lrSchedulerStep > 0 ? lrSchedulerStep : Math.max(1, stepsPerEpoch);
  }

  /** The settings of each model, as {@link #models()} (documented name). */
  public List<ModelSetting> modelSettings() {
    return models;
  }
}
