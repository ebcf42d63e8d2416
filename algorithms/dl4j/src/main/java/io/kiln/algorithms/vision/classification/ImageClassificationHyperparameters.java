package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.images.AugmentationType;

import io.kiln.spec.Names;
import io.kiln.spi.HyperparameterRule;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * SageMaker Image Classification's hyperparameters, validated: the names, required keys, defaults and
 * valid values of SageMaker's "Image Classification Hyperparameters" table
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/IC-Hyperparameter.html), and the depths MXNet's
 * {@code example/image-classification/symbols/resnet.py} (the ResNet SageMaker's algorithm is built on)
 * can build for an image height.
 *
 * <p>What SageMaker's table leaves open, Kiln resolves as follows:
 * <ul>
 *   <li>{@code num_layers}: SageMaker takes 18, 34, 50, 101, 152, 200 and 20, 32, 44, 56, 110. As in
 *       MXNet's resnet.py, images at most 28 pixels tall get the 3-stage network of the ResNet paper's
 *       CIFAR experiments ((n - 2) / 6 basic units per stage below 164 layers, (n - 2) / 9 bottleneck
 *       units from 164), taller images the 4-stage ImageNet network (18 to 200). So 18, 34 and 101
 *       need images taller than 28 pixels and 20, 32, 44, 56 and 110 images at most 28 pixels tall;
 *       50, 152 and 200 fit both. Any other combination is refused naming image_shape and num_layers
 *       ({@link #resNetPlan()}).</li>
 *   <li>{@code num_classes}: SageMaker's "positive integer"; a single-label classifier needs 2 or
 *       more (a softmax over one class learns nothing), a multi-label one ({@code multi_label=1}) 1 or
 *       more.</li>
 *   <li>{@code top_k}: no default (no top-k metric); greater than 1, as SageMaker's table says, and at
 *       most {@code num_classes} (MXNet's top-k accuracy cannot rank more classes than there
 *       are).</li>
 *   <li>{@code lr_scheduler_step}: epochs separated by commas ({@code "10, 20"}), each a whole number
 *       of at least 1, strictly increasing (MXNet's {@code MultiFactorScheduler} refuses others); an
 *       epoch past {@code epochs} is accepted and never reached.</li>
 *   <li>{@code checkpoint_frequency}: at most {@code epochs}, as SageMaker's table says.</li>
 *   <li>{@code precision_dtype=float16} is accepted and recorded; Kiln trains in float32 on CPU (the
 *       algorithm logs so).</li>
 *   <li>{@code kv_store}: {@code dist_sync} or {@code dist_async}, kept as given; Kiln's data-parallel
 *       training is always synchronous.</li>
 *   <li>{@code use_pretrained_model=1}: weights cannot be downloaded, so Kiln starts from the job's
 *       {@code model} channel; SageMaker's restriction of pretrained models to 224 x 224 images and to
 *       18..200 layers does not apply (an earlier Kiln artifact of any depth and shape may be
 *       continued). Whether the channel is there is the algorithm's check.</li>
 *   <li>{@code resize}: SageMaker requires it for {@code application/x-image} channels; only its form
 *       (a positive whole number) is checked here, the algorithm knows the channels' content
 *       types.</li>
 * </ul>
 * Flags take SageMaker's spellings: {@code 0} or {@code 1} for {@code use_pretrained_model},
 * {@code use_weighted_loss} and {@code multi_label}; {@code True} or {@code False} (any case) for
 * {@code early_stopping}.
 *
 * @param numClasses output classes (required; labels 0 to numClasses - 1)
 * @param numTrainingSamples images in the train channel (required; SageMaker uses it to turn
 *     {@code lr_scheduler_step}'s epochs into steps)
 * @param numLayers the ResNet's depth (default 152); see {@link #resNetPlan()}
 * @param imageShape the network's input: channels, height and width in pixels (default 3,224,224)
 * @param epochs passes over the train channel (default 30)
 * @param learningRate the initial learning rate (default 0.1, in [0, 1])
 * @param miniBatchSize images per step (default 32)
 * @param optimizer the optimizer (default {@link Optimizer#SGD})
 * @param momentum momentum of sgd and nag, ignored by the others (default 0.9, in [0, 1])
 * @param weightDecay L2 weight decay coefficient of sgd and nag, ignored by the others (default 0.0001,
 *     in [0, 1])
 * @param beta1 adam's first-moment decay (default 0.9, in [0, 1])
 * @param beta2 adam's second-moment decay (default 0.999, in [0, 1])
 * @param eps adam's and rmsprop's epsilon (default 1e-8, in [0, 1])
 * @param gamma rmsprop's decay of the squared-gradient average (default 0.9, in [0, 1])
 * @param lrSchedulerSteps the epochs (1-based, strictly increasing) after which the learning rate is
 *     multiplied by {@code lrSchedulerFactor}; empty when {@code lr_scheduler_step} is not set (a
 *     constant learning rate)
 * @param lrSchedulerFactor the learning rate's factor at each of {@code lrSchedulerSteps} (default 0.1,
 *     in [0, 1])
 * @param augmentationType the training images' augmentation ({@link AugmentationType#NONE} when unset, the
 *     default)
 * @param resize the shortest side in pixels images are resized to before training, or null to use
 *     them as they are (no default)
 * @param usePretrainedModel start from the job's {@code model} channel (default false)
 * @param useWeightedLoss weight the multi-label cross-entropy by the classes' distribution (only with
 *     {@code multiLabel}; default false)
 * @param earlyStopping stop when validation accuracy stops improving (default false)
 * @param earlyStoppingMinEpochs epochs run before early stopping may stop (default 10)
 * @param earlyStoppingPatience epochs without improvement before stopping (default 5)
 * @param earlyStoppingTolerance the relative accuracy improvement that counts (default 0.0, in [0, 1])
 * @param topK k of the top-k accuracy reported during training, or null for none (no default)
 * @param precisionDtype {@code float32} (default) or {@code float16} as requested; Kiln trains in
 *     float32 either way
 * @param multiLabel each image may carry several labels (default false)
 * @param checkpointFrequency epochs between the checkpoints kept in the model artifact, or null for
 *     SageMaker's default (the epoch with the best validation accuracy); at most {@code epochs}
 * @param kvStore {@code dist_sync} or {@code dist_async} as requested, or null; Kiln is synchronous
 * @param tuningObjective {@code _tuning_objective_metric} when SageMaker's tuner runs the job, or null
 */
public record ImageClassificationHyperparameters(int numClasses, int numTrainingSamples, int numLayers,
    ImageShape imageShape, int epochs, double learningRate, int miniBatchSize, Optimizer optimizer, double momentum,
    double weightDecay, double beta1, double beta2, double eps, double gamma, int[] lrSchedulerSteps,
    double lrSchedulerFactor, AugmentationType augmentationType, Integer resize, boolean usePretrainedModel,
    boolean useWeightedLoss, boolean earlyStopping, int earlyStoppingMinEpochs, int earlyStoppingPatience,
    double earlyStoppingTolerance, Integer topK, String precisionDtype, boolean multiLabel,
    Integer checkpointFrequency, String kvStore, String tuningObjective) implements Serializable {

  /**
   * The network's input shape, SageMaker's {@code image_shape} "channels,height,width".
   *
   * @param channels 1 (grayscale) or 3 (RGB)
   * @param height rows in pixels
   * @param width columns in pixels
   */
  public record ImageShape(int channels, int height, int width) implements Serializable {
    /** SageMaker's spelling, {@code "3,224,224"}. */
    @Override
    public String toString() {
      return channels + "," + height + "," + width;
    }
  }

  /** SageMaker's optimizers (MXNet's of the same names). */
  public enum Optimizer {
    /** Stochastic gradient descent with momentum and weight decay. */
    SGD,
    /** Adam (beta_1, beta_2, eps). */
    ADAM,
    /** RMSProp (gamma, eps). */
    RMSPROP,
    /** Nesterov accelerated gradient (momentum, weight decay). */
    NAG;

    /** SageMaker's name, e.g. {@code sgd}. */
    public String sageMakerName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The ResNet MXNet's resnet.py builds for a depth and image height: residual units per stage and
   * whether the units are bottlenecks (1x1, 3x3, 1x1) or basic (3x3, 3x3).
   *
   * @param units residual units of each stage (3 stages for images at most 28 pixels tall, 4 otherwise)
   * @param bottleneck bottleneck units rather than basic ones
   */
  public record ResNetPlan(int[] units, boolean bottleneck) implements Serializable {
    /** The units as {@code [3, 8, 36, 3]}. */
    @Override
    public String toString() {
      return Arrays.toString(units) + (bottleneck ? " bottleneck" : " basic") + " units";
    }
  }

  /** The depths SageMaker's table lists for large images (e.g. 224 x 224). */
  public static final List<Integer> LARGE_IMAGE_LAYERS = List.of(18, 34, 50, 101, 152, 200);
  /** The depths SageMaker's table lists for small images (e.g. 28 x 28). */
  public static final List<Integer> SMALL_IMAGE_LAYERS = List.of(20, 32, 44, 56, 110);
  /** The tallest image (pixels) that gets MXNet's 3-stage small-image ResNet. */
  public static final int SMALL_IMAGE_MAX_HEIGHT = 28;

  private static final Map<String, HyperparameterRule> RULES = new LinkedHashMap<>();

  static {
    int max = Integer.MAX_VALUE;
    RULES.put("num_classes", HyperparameterRule.integer(1, max));
    RULES.put("num_training_samples", HyperparameterRule.integer(1, max));
    RULES.put("augmentation_type", HyperparameterRule.oneOf("crop", "crop_color", "crop_color_transform"));
    RULES.put("beta_1", unit());
    RULES.put("beta_2", unit());
    RULES.put("checkpoint_frequency", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping", HyperparameterRule.oneOf("true", "false"));
    RULES.put("early_stopping_min_epochs", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping_patience", HyperparameterRule.integer(1, max));
    RULES.put("early_stopping_tolerance", unit());
    RULES.put("epochs", HyperparameterRule.integer(1, max));
    RULES.put("eps", unit());
    RULES.put("gamma", unit());
    RULES.put("image_shape", HyperparameterRule.text());
    RULES.put("kv_store", HyperparameterRule.oneOf("dist_sync", "dist_async"));
    RULES.put("learning_rate", unit());
    RULES.put("lr_scheduler_factor", unit());
    RULES.put("lr_scheduler_step", HyperparameterRule.text());
    RULES.put("mini_batch_size", HyperparameterRule.integer(1, max));
    RULES.put("momentum", unit());
    RULES.put("multi_label", HyperparameterRule.oneOf("0", "1"));
    RULES.put("num_layers", HyperparameterRule.integer(1, max));
    RULES.put("optimizer", HyperparameterRule.oneOf("sgd", "adam", "rmsprop", "nag"));
    RULES.put("precision_dtype", HyperparameterRule.oneOf("float32", "float16"));
    RULES.put("resize", HyperparameterRule.integer(1, max));
    RULES.put("top_k", HyperparameterRule.integer(2, max));
    RULES.put("use_pretrained_model", HyperparameterRule.oneOf("0", "1"));
    RULES.put("use_weighted_loss", HyperparameterRule.oneOf("0", "1"));
    RULES.put("weight_decay", unit());
  }

  /** A number in [0, 1], SageMaker's range for every rate, decay and factor of this algorithm. */
  private static HyperparameterRule unit() {
    return HyperparameterRule.number(0, false, 1, false);
  }

  /** Every hyperparameter SageMaker's Image Classification takes, the required ones first. */
  public static Set<String> names() {
    return RULES.keySet();
  }

  /**
   * Checks every hyperparameter; throws a USER {@link KilnException} naming the first bad or missing
   * key, its value and what is accepted. Reserved keys ({@code _*}, {@code sagemaker_*}) are accepted;
   * {@code _tuning_objective_metric} is kept.
   */
  public static ImageClassificationHyperparameters parse(Map<String, String> raw) {
    Map<String, String> v = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : raw.entrySet()) {
      String key = e.getKey();
      if (HyperparameterRule.reserved(key)) {
        continue; // the tuner's _tuning_objective_metric, the SDK's sagemaker_* keys
      }
      HyperparameterRule rule = RULES.get(key);
      if (rule == null) {
        throw KilnException.user("Hyperparameter " + key + "=" + Messages.echo(e.getValue())
            + " is not an Image Classification hyperparameter" + Names.suggestion(key, RULES.keySet())
            + " (extraneous hyperparameter; known: " + String.join(", ", RULES.keySet()) + ")");
      }
      String value = e.getValue() == null ? "" : e.getValue().trim();
      try {
        v.put(key, rule.check(key, value));
      } catch (KilnException bad) {
        String suggestion = rule instanceof HyperparameterRule.Categorical c ? Names.suggestion(value, c.values()) : "";
        throw KilnException.user(bad.getMessage() + suggestion);
      }
    }
    for (String required : new String[] {"num_classes", "num_training_samples"}) {
      if (!v.containsKey(required)) {
        throw KilnException.user("Missing required hyperparameter " + required + ": " + (required.equals("num_classes")
            ? "set it to the number of classes (a whole number >= 2; labels 0 to num_classes - 1)"
            : "set it to the number of images in the train channel (a whole number >= 1)"));
      }
    }
    boolean multiLabel = v.getOrDefault("multi_label", "0").equals("1");
    int numClasses = Integer.parseInt(v.get("num_classes"));
    if (numClasses < 2 && !multiLabel) {
      throw KilnException.user("Hyperparameter num_classes=" + numClasses + " is not valid: expected a whole number"
          + " >= 2 (a single-label classifier needs at least two classes; with multi_label=1, 1 is accepted)");
    }
    ImageShape shape = imageShape(v.getOrDefault("image_shape", "3,224,224"));
    int numLayers = Integer.parseInt(v.getOrDefault("num_layers", "152"));
    if (!LARGE_IMAGE_LAYERS.contains(numLayers) && !SMALL_IMAGE_LAYERS.contains(numLayers)) {
      throw KilnException.user("Hyperparameter num_layers=" + numLayers + " is not valid: expected one of "
          + join(LARGE_IMAGE_LAYERS) + " (images taller than " + SMALL_IMAGE_MAX_HEIGHT + " pixels, e.g. 224x224) or "
          + join(SMALL_IMAGE_LAYERS) + " (images at most " + SMALL_IMAGE_MAX_HEIGHT + " pixels tall, e.g. 28x28)");
    }
    if (plan(numLayers, shape.height()) == null) {
      boolean small = shape.height() <= SMALL_IMAGE_MAX_HEIGHT;
      List<Integer> fits = new ArrayList<>();
      for (int n : new TreeSet<>(union())) {
        if (plan(n, shape.height()) != null) {
          fits.add(n);
        }
      }
      throw KilnException.user("Hyperparameters num_layers=" + numLayers + " and image_shape=" + shape
          + " do not fit: a ResNet of " + numLayers + " layers needs images " + (small ? "taller than "
              : "at most ") + SMALL_IMAGE_MAX_HEIGHT + " pixels" + (small ? "" : " tall") + ", and image_shape's height is "
          + shape.height() + "; for this height use num_layers " + join(fits) + ", or set image_shape's height "
          + (small ? "above " : "to at most ") + SMALL_IMAGE_MAX_HEIGHT);
    }
    int epochs = Integer.parseInt(v.getOrDefault("epochs", "30"));
    Integer checkpointFrequency = v.containsKey("checkpoint_frequency")
        ? Integer.valueOf(v.get("checkpoint_frequency")) : null;
    if (checkpointFrequency != null && checkpointFrequency > epochs) {
      throw KilnException.user("Hyperparameter checkpoint_frequency=" + checkpointFrequency + " is not valid: expected"
          + " a whole number from 1 to epochs (" + epochs + (v.containsKey("epochs") ? "" : ", the default")
          + "); lower checkpoint_frequency or raise epochs");
    }
    Integer topK = v.containsKey("top_k") ? Integer.valueOf(v.get("top_k")) : null;
    if (topK != null && topK > numClasses) {
      throw KilnException.user("Hyperparameter top_k=" + topK + " is not valid: expected a whole number from 2 to"
          + " num_classes (" + numClasses + "); the top-k accuracy cannot rank more classes than there are");
    }
    String tuning = raw.get("_tuning_objective_metric");
    if (tuning != null && tuning.isBlank()) {
      tuning = null;
    }
    String augmentation = v.get("augmentation_type");
    return new ImageClassificationHyperparameters(numClasses, Integer.parseInt(v.get("num_training_samples")),
        numLayers, shape, epochs, d(v, "learning_rate", 0.1), Integer.parseInt(v.getOrDefault("mini_batch_size", "32")),
        Optimizer.valueOf(v.getOrDefault("optimizer", "sgd").toUpperCase(Locale.ROOT)), d(v, "momentum", 0.9),
        d(v, "weight_decay", 0.0001), d(v, "beta_1", 0.9), d(v, "beta_2", 0.999), d(v, "eps", 1e-8),
        d(v, "gamma", 0.9), steps(v.get("lr_scheduler_step")), d(v, "lr_scheduler_factor", 0.1),
        AugmentationType.fromHyperparameter(augmentation),
        v.containsKey("resize") ? Integer.valueOf(v.get("resize")) : null,
        v.getOrDefault("use_pretrained_model", "0").equals("1"), v.getOrDefault("use_weighted_loss", "0").equals("1"),
        Boolean.parseBoolean(v.getOrDefault("early_stopping", "false")),
        Integer.parseInt(v.getOrDefault("early_stopping_min_epochs", "10")),
        Integer.parseInt(v.getOrDefault("early_stopping_patience", "5")), d(v, "early_stopping_tolerance", 0.0), topK,
        v.getOrDefault("precision_dtype", "float32"), multiLabel, checkpointFrequency, v.get("kv_store"), tuning);
  }

  /** {@code image_shape} "channels,height,width" (spaces around the numbers allowed, as SageMaker's "3, 224, 224"). */
  private static ImageShape imageShape(String value) {
    String expected = "expected channels,height,width as three whole numbers, e.g. 3,224,224 (colour) or 1,28,28"
        + " (grayscale)";
    String[] parts = value.split(",", -1);
    if (parts.length != 3) {
      throw badShape(value, expected);
    }
    long[] n = new long[3];
    for (int i = 0; i < 3; i++) {
      try {
        n[i] = Long.parseLong(parts[i].trim());
      } catch (NumberFormatException e) {
        throw badShape(value, expected);
      }
    }
    if (n[0] != 1 && n[0] != 3) {
      throw badShape(value, "the channels (first number) must be 1 (grayscale) or 3 (RGB), not " + n[0]);
    }
    if (n[1] < 1 || n[2] < 1) {
      throw badShape(value, "the height and width (second and third numbers) must be whole numbers >= 1");
    }
    if (n[0] * n[1] * n[2] > Integer.MAX_VALUE) {
      throw badShape(value, "one image of channels x height x width values must hold at most "
          + Integer.MAX_VALUE + " values; use a smaller height and width");
    }
    return new ImageShape((int) n[0], (int) n[1], (int) n[2]);
  }

  private static KilnException badShape(String value, String expected) {
    return KilnException.user("Hyperparameter image_shape=" + Messages.echo(value) + " is not valid: " + expected);
  }

  /** {@code lr_scheduler_step} "10, 20": epochs at least 1, strictly increasing; null gives none. */
  private static int[] steps(String value) {
    if (value == null) {
      return new int[0];
    }
    String expected = "expected epochs separated by commas, each a whole number >= 1 and larger than the one before,"
        + " e.g. 10,20";
    String[] parts = value.split(",", -1);
    int[] steps = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
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
      if (i > 0 && s <= steps[i - 1]) {
        throw KilnException.user("Hyperparameter lr_scheduler_step=" + Messages.echo(value) + " is not valid: epoch "
            + s + " does not come after " + steps[i - 1] + "; " + expected);
      }
      steps[i] = (int) s;
    }
    return steps;
  }

  /** MXNet resnet.py's network for a depth and image height, or null when it builds none. */
  static ResNetPlan plan(int numLayers, int height) {
    if (height <= SMALL_IMAGE_MAX_HEIGHT) {
      if (numLayers >= 164 && (numLayers - 2) % 9 == 0) {
        int u = (numLayers - 2) / 9;
        return new ResNetPlan(new int[] {u, u, u}, true);
      }
      if (numLayers < 164 && (numLayers - 2) % 6 == 0) {
        int u = (numLayers - 2) / 6;
        return new ResNetPlan(new int[] {u, u, u}, false);
      }
      return null;
    }
    int[] units = switch (numLayers) {
      case 18 -> new int[] {2, 2, 2, 2};
      case 34, 50 -> new int[] {3, 4, 6, 3};
      case 101 -> new int[] {3, 4, 23, 3};
      case 152 -> new int[] {3, 8, 36, 3};
      case 200 -> new int[] {3, 24, 36, 3};
      default -> null;
    };
    return units == null ? null : new ResNetPlan(units, numLayers >= 50);
  }

  private static List<Integer> union() {
    List<Integer> all = new ArrayList<>(LARGE_IMAGE_LAYERS);
    all.addAll(SMALL_IMAGE_LAYERS);
    return all;
  }

  private static String join(Collection<Integer> values) {
    return values.stream().map(String::valueOf).collect(Collectors.joining(", "));
  }

  private static double d(Map<String, String> v, String key, double def) {
    return v.containsKey(key) ? Double.parseDouble(v.get(key)) : def;
  }

  /**
   * The ResNet to build for {@link #numLayers()} and {@link #imageShape()}'s height, as MXNet's
   * resnet.py (SageMaker's): for images at most 28 pixels tall 3 stages of (n - 2) / 6 basic units
   * (n below 164: 20, 32, 44, 50, 56, 110, 152) or (n - 2) / 9 bottleneck units (n from 164: 200);
   * for taller images 4 stages, basic units for 18 and 34 and bottleneck units from 50. Never null:
   * {@link #parse} refuses a depth with no network.
   */
  public ResNetPlan resNetPlan() {
    return plan(numLayers, imageShape.height());
  }

  /** True when images are at most 28 pixels tall, i.e. the network is MXNet's 3-stage small-image ResNet. */
  public boolean smallImages() {
    return imageShape.height() <= SMALL_IMAGE_MAX_HEIGHT;
  }

  /** The optimizer's SageMaker name ({@code sgd}, {@code adam}, {@code rmsprop} or {@code nag}). */
  public String optimizerName() {
    return optimizer.sageMakerName();
  }

  /** Whether {@code precision_dtype=float16} was asked for (Kiln still trains in float32). */
  public boolean float16Requested() {
    return precisionDtype.equals("float16");
  }
}
