package io.kiln.algorithms.vision.detection;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * SageMaker Object Detection's hyperparameters, validated: the names, required keys, defaults and
 * valid values of SageMaker's "Object Detection Hyperparameters" table
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/object-detection-api-config.html).
 *
 * <p>SageMaker's ranges, as its table gives them: {@code learning_rate}, {@code momentum},
 * {@code nms_threshold} and {@code overlap_threshold} in (0, 1]; {@code lr_scheduler_factor} and
 * {@code weight_decay} in (0, 1); {@code early_stopping_tolerance} in [0, 1]; the counts whole numbers
 * of at least 1. What the table leaves open, Kiln resolves as follows:
 * <ul>
 *   <li>{@code image_shape}: the side in pixels of the square the images are rescaled to. SageMaker
 *       asks for at least 300 (its VGG-16 / ResNet-50 SSD on GPUs); Kiln trains on CPUs and accepts
 *       any whole number from {@link #MIN_IMAGE_SHAPE} (32, one cell of a network that halves the
 *       image five times) so small images such as 64 x 64 can be trained without upscaling.</li>
 *   <li>{@code label_width}: the padded length of one image's label in MXNet's detection RecordIO
 *       (2 header values, then 5 or 6 per object). At least 7 (a header and one object); that every
 *       image's label fits is checked when the annotations are read ({@link Annotations}).</li>
 *   <li>{@code lr_scheduler_step}: epochs separated by commas ({@code "10, 20"}), each a whole number
 *       of at least 1, strictly increasing (MXNet's {@code MultiFactorScheduler} refuses others);
 *       SageMaker's default, the empty string, means a constant learning rate.</li>
 *   <li>{@code freeze_layer_pattern}: a regular expression (Java's {@link Pattern}, which agrees with
 *       Python's {@code re} for the usual patterns such as {@code ^(conv1_|conv2_).*}); a layer is
 *       frozen when the pattern matches at the start of its name, as Python's {@code re.match} in
 *       MXNet's SSD example ({@link #freezes(String)}); a frozen layer trains with a learning rate of 0
 *       (its weights do not change; BatchNorm's running statistics still do, as MXNet's fixed
 *       parameters' auxiliary states). A pattern that does not compile, or one with
 *       {@code optimizer=adadelta} (no learning rate), is refused.</li>
 *   <li>{@code use_pretrained_model=1} (SageMaker's default): weights cannot be downloaded, so Kiln
 *       starts from the job's {@code model} channel when there is one and otherwise trains from scratch
 *       (the algorithm logs which).</li>
 *   <li>{@code kv_store}: {@code dist_sync} or {@code dist_async}, kept as given; Kiln's data-parallel
 *       training is always synchronous.</li>
 *   <li>{@code base_network}: {@code vgg-16} or {@code resnet-50}; the backbone each stands for in Kiln
 *       is the detector network's to document.</li>
 * </ul>
 * Flags take SageMaker's spellings: {@code 0} or {@code 1} for {@code use_pretrained_model};
 * {@code True} or {@code False} (any case) for {@code early_stopping}.
 *
 * @param numClasses object classes (required; class ids 0 to numClasses - 1)
 * @param numTrainingSamples images in the train channel (required)
 * @param baseNetwork the backbone (default {@link BaseNetwork#VGG_16})
 * @param usePretrainedModel start from the job's {@code model} channel when given (default true)
 * @param earlyStopping stop when validation:mAP stops improving (default false)
 * @param earlyStoppingMinEpochs epochs run before early stopping may stop (default 10)
 * @param earlyStoppingPatience epochs without improvement before stopping (default 5)
 * @param earlyStoppingTolerance the relative mAP improvement that counts (default 0.0, in [0, 1])
 * @param imageShape side in pixels of the square network input (default 300)
 * @param epochs passes over the train channel (default 30)
 * @param freezeLayerPattern the regular expression of the frozen layers' names, or null (none frozen)
 * @param kvStore {@code dist_sync} or {@code dist_async} as requested, or null; Kiln is synchronous
 * @param labelWidth padded label length of MXNet's detection RecordIO (default 350)
 * @param learningRate the initial learning rate (default 0.001, in (0, 1])
 * @param lrSchedulerFactor the learning rate's factor at each of {@code lrSchedulerSteps} (default 0.1,
 *     in (0, 1))
 * @param lrSchedulerSteps the epochs (1-based, strictly increasing) after which the learning rate is
 *     multiplied by {@code lrSchedulerFactor}; empty for a constant learning rate (the default)
 * @param miniBatchSize images per step (default 32)
 * @param momentum sgd's momentum, ignored by the others (default 0.9, in (0, 1])
 * @param nmsThreshold the IoU above which non-maximum suppression drops the lower-scored box of a
 *     class (default 0.45, in (0, 1])
 * @param optimizer the optimizer (default {@link Optimizer#SGD})
 * @param overlapThreshold the IoU a detection needs with a ground-truth box to count in validation:mAP
 *     (default 0.5, in (0, 1]); see {@link MeanAveragePrecision}
 * @param weightDecay the weight decay of sgd and rmsprop, ignored by the others (default 0.0005, in
 *     (0, 1))
 * @param tuningObjective {@code _tuning_objective_metric} when SageMaker's tuner runs the job, or null
 */
public record ObjectDetectionHyperparameters(int numClasses, int numTrainingSamples, BaseNetwork baseNetwork,
    boolean usePretrainedModel, boolean earlyStopping, int earlyStoppingMinEpochs, int earlyStoppingPatience,
    double earlyStoppingTolerance, int imageShape, int epochs, String freezeLayerPattern, String kvStore,
    int labelWidth, double learningRate, double lrSchedulerFactor, int[] lrSchedulerSteps, int miniBatchSize,
    double momentum, double nmsThreshold, Optimizer optimizer, double overlapThreshold, double weightDecay,
    String tuningObjective) implements Serializable {

  /** The smallest {@code image_shape} Kiln accepts (SageMaker's is 300). */
  public static final int MIN_IMAGE_SHAPE = 32;
  /** The smallest {@code label_width}: MXNet's 2 header values and one object of 5. */
  public static final int MIN_LABEL_WIDTH = 7;

  /** SageMaker's base networks. */
  public enum BaseNetwork {
    /** {@code vgg-16}, SageMaker's default. */
    VGG_16("vgg-16"),
    /** {@code resnet-50}. */
    RESNET_50("resnet-50");

    private final String value;

    BaseNetwork(String value) {
      this.value = value;
    }

    /** SageMaker's spelling, e.g. {@code vgg-16}. */
    public String value() {
      return value;
    }

    static BaseNetwork of(String value) {
      for (BaseNetwork b : values()) {
        if (b.value.equals(value)) {
          return b;
        }
      }
      throw new IllegalArgumentException(value);
    }
  }

  /** SageMaker's optimizers for Object Detection (MXNet's of the same names). */
  public enum Optimizer {
    /** Stochastic gradient descent with momentum and weight decay. */
    SGD,
    /** Adam. */
    ADAM,
    /** RMSProp (with weight decay). */
    RMSPROP,
    /** AdaDelta. */
    ADADELTA;

    /** SageMaker's name, e.g. {@code sgd}. */
    public String sageMakerName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();

  static {
    int max = Integer.MAX_VALUE;
    RULES.put("num_classes", HyperparameterRule.integer(1, max));
    RULES.put("num_training_samples", HyperparameterRule.integer(1, max));
    RULES.put("base_network", HyperparameterRule.oneOf("vgg-16", "resnet-50"));
    RULES.put("early_stopping", HyperparameterRule.oneOf("true", "false"));
    RULES.put("early_stopping_min_epochs", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping_patience", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping_tolerance", HyperparameterRule.number(0, false, 1, false));
    RULES.put("epochs", HyperparameterRule.integer(1, max));
    RULES.put("freeze_layer_pattern", HyperparameterRule.text());
    RULES.put("image_shape", HyperparameterRule.integer(MIN_IMAGE_SHAPE, max));
    RULES.put("kv_store", HyperparameterRule.oneOf("dist_sync", "dist_async"));
    RULES.put("label_width", HyperparameterRule.integer(MIN_LABEL_WIDTH, max));
    RULES.put("learning_rate", HyperparameterRule.number(0, true, 1, false));
    RULES.put("lr_scheduler_factor", HyperparameterRule.number(0, true, 1, true));
    RULES.put("lr_scheduler_step", HyperparameterRule.text());
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, max));
    RULES.put("momentum", HyperparameterRule.number(0, true, 1, false));
    RULES.put("nms_threshold", HyperparameterRule.number(0, true, 1, false));
    RULES.put("optimizer", HyperparameterRule.oneOf("sgd", "adam", "rmsprop", "adadelta"));
    RULES.put("overlap_threshold", HyperparameterRule.number(0, true, 1, false));
    RULES.put("use_pretrained_model", HyperparameterRule.oneOf("0", "1"));
    RULES.put("weight_decay", HyperparameterRule.number(0, true, 1, true));
  }

  /** Every hyperparameter SageMaker's Object Detection takes, the required ones first. */
  public static Set<String> names() {
    return RULES.keySet();
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad or missing
   * key, its value and what is accepted. Reserved keys ({@code _*}, {@code sagemaker_*}) are accepted;
   * {@code _tuning_objective_metric} is kept.
   */
  public static ObjectDetectionHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue;
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not an Object Detection hyperparameter" + Names.suggestion(key, RULES.keySet())
            + " (extraneous hyperparameter; known: " + String.join(", ", RULES.keySet()) + ")");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      try {
        v.put(key, rule.check(key, value));
      } catch (KilnException bad) {
        String suggestion = rule instanceof HyperparameterRule.Categorical c ? Names.suggestion(value, c.values()) : "";
        String hint = key.equals("image_shape") ? imageShapeHint(value) : "";
        throw KilnException.user(bad.getMessage() + suggestion + hint);
      }
    }
    for (String required : new String[] {"num_classes", "num_training_samples"}) {
      if (!v.containsKey(required)) {
        throw KilnException.user("Missing required hyperparameter " + required + ": " + (required.equals("num_classes")
            ? "set it to the number of object classes (a whole number >= 1; class ids 0 to num_classes - 1)"
            : "set it to the number of images in the train channel (a whole number >= 1)"));
      }
    }
    String pattern = v.get("freeze_layer_pattern");
    if (pattern != null && pattern.isEmpty()) {
      pattern = null;
    }
    if (pattern != null) {
      try {
        Pattern.compile(pattern);
      } catch (PatternSyntaxException e) {
        throw KilnException.user("Hyperparameter freeze_layer_pattern=" + Messages.echo(pattern) + " is not valid: "
            + "it is not a regular expression (" + Messages.oneLine(e.getDescription()) + " near index " + e.getIndex()
            + "); give a regular expression of layer names such as ^(conv1_|conv2_).*");
      }
      if (v.getOrDefault("optimizer", "sgd").equalsIgnoreCase("adadelta")) {
        throw KilnException.user("Hyperparameter freeze_layer_pattern=" + Messages.echo(pattern) + " cannot be used "
            + "with optimizer=adadelta: Kiln freezes a layer by giving it a learning rate of 0, which AdaDelta has "
            + "not; use optimizer sgd, adam or rmsprop, or leave freeze_layer_pattern out");
      }
    }
    String tuning = raw.get("_tuning_objective_metric");
    if (tuning != null && tuning.isBlank()) {
      tuning = null;
    }
    return new ObjectDetectionHyperparameters(Integer.parseInt(v.get("num_classes")),
        Integer.parseInt(v.get("num_training_samples")), BaseNetwork.of(v.getOrDefault("base_network", "vgg-16")),
        v.getOrDefault("use_pretrained_model", "1").equals("1"),
        Boolean.parseBoolean(v.getOrDefault("early_stopping", "false")), i(v, "early_stopping_min_epochs", 10),
        i(v, "early_stopping_patience", 5), d(v, "early_stopping_tolerance", 0.0), i(v, "image_shape", 300),
        i(v, "epochs", 30), pattern, v.get("kv_store"), i(v, "label_width", 350), d(v, "learning_rate", 0.001),
        d(v, "lr_scheduler_factor", 0.1), steps(v.get("lr_scheduler_step")), i(v, "mini_batch_size", 32),
        d(v, "momentum", 0.9), d(v, "nms_threshold", 0.45),
        Optimizer.valueOf(v.getOrDefault("optimizer", "sgd").toUpperCase(Locale.ROOT)),
        d(v, "overlap_threshold", 0.5), d(v, "weight_decay", 0.0005), tuning);
  }

  private static String imageShapeHint(String value) {
    return value.contains(",") ? " (Object Detection's image_shape is one number, the side of the square input, "
        + "e.g. 300; not channels,height,width as in Image Classification)"
        : " (the side in pixels of the square the images are rescaled to; SageMaker recommends 300 or 512)";
  }

  /** {@code lr_scheduler_step} "10, 20": epochs at least 1, strictly increasing; null or empty gives none. */
  private static int[] steps(String value) {
    if (value == null || value.isEmpty()) {
      return new int[0];
    }
    String expected = "expected epochs separated by commas, each a whole number >= 1 and larger than the one before,"
        + " e.g. 10,20";
    String[] parts = value.split(",", -1);
    int[] steps = new int[parts.length];
    for (int k = 0; k < parts.length; k++) {
      String p = parts[k].trim();
      long s;
      try {
        s = Long.parseLong(p);
      } catch (NumberFormatException e) {
        throw KilnException.user("Hyperparameter lr_scheduler_step=" + Messages.echo(value) + " is not valid: "
            + (p.isEmpty() ? "an empty epoch" : "'" + Messages.echo(p) + "' is not a whole number") + "; " + expected);
      }
      if (s < 1 || s > Integer.MAX_VALUE) {
        throw KilnException.user("Hyperparameter lr_scheduler_step=" + Messages.echo(value) + " is not valid: epoch "
            + s + " is not >= 1; " + expected);
      }
      if (k > 0 && s <= steps[k - 1]) {
        throw KilnException.user("Hyperparameter lr_scheduler_step=" + Messages.echo(value) + " is not valid: epoch "
            + s + " does not come after " + steps[k - 1] + "; " + expected);
      }
      steps[k] = (int) s;
    }
    return steps;
  }

  private static int i(Map<String, String> v, String key, int def) {
    return v.containsKey(key) ? Integer.parseInt(v.get(key)) : def;
  }

  private static double d(Map<String, String> v, String key, double def) {
    return v.containsKey(key) ? Double.parseDouble(v.get(key)) : def;
  }

  /**
   * Whether the layer (or parameter) named {@code name} is frozen by {@code freeze_layer_pattern}: the
   * pattern matches at the start of the name (Python's {@code re.match}, as MXNet's SSD example applies
   * it). False for every name when no pattern is set.
   */
  public boolean freezes(String name) {
    return freezeLayerPattern != null && Pattern.compile(freezeLayerPattern).matcher(name).lookingAt();
  }

  /** The optimizer's SageMaker name ({@code sgd}, {@code adam}, {@code rmsprop} or {@code adadelta}). */
  public String optimizerName() {
    return optimizer.sageMakerName();
  }
}
