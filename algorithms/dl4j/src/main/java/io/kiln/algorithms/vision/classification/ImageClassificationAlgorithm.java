package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.nets.Nd4jNatives;
import io.kiln.algorithms.vision.training.DataParallelStep;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * SageMaker's Image Classification built-in (image {@code image-classification}, Kiln spec name
 * {@code image-classification}): a ResNet (MXNet's pre-activation ResNet, every {@code num_layers}
 * SageMaker takes) trained on Deeplearning4j by Kiln's barrier worker loop
 * ({@link ClassificationWorker}: synchronous data parallelism, one gradient all-reduce per step, a
 * checkpoint per epoch).
 *
 * <p>Channels as SageMaker's: {@code train} (required) and {@code validation}, each
 * {@code application/x-recordio} (MXNet image records, SageMaker's default) or
 * {@code application/x-image} ({@code image/jpeg}, {@code image/png}: JPEG and PNG files) with a
 * {@code train_lst} / {@code validation_lst} channel of {@code .lst} files, or, as Kiln's extension,
 * a folder per class; {@code model} ({@code application/x-sagemaker-model}): an earlier job's
 * {@code model.tar.gz} to continue from (SageMaker's incremental training). Metrics per epoch:
 * {@code train:accuracy} and {@code validation:accuracy}. The model files are
 * {@link ClassificationModel}'s.
 */
public final class ImageClassificationAlgorithm implements Algorithm<ImageClassificationHyperparameters> {
  static {
    Nd4jNatives.select();
  }

  private final DataParallelStep.Factory steps;

  /** Kiln's built-in: synchronous gradient all-reduce ({@link SynchronousSgd}). */
  public ImageClassificationAlgorithm() {
    this(SynchronousSgd.FACTORY);
  }

  /**
   * The built-in with another data-parallel mechanism: for measuring mechanisms against each other
   * (docs/benchmarks.md), not a user setting.
   */
  public ImageClassificationAlgorithm(DataParallelStep.Factory steps) {
    this.steps = steps;
  }

  /** MXNet's image RecordIO ({@code im2rec}). */
  static final ContentType RECORDIO = ContentType.of("application/x-recordio", ContentType.Split.OBJECTS, "recordio");
  /** Image files, and the {@code .lst} files that list them. */
  static final ContentType IMAGE = ContentType.of("application/x-image", ContentType.Split.OBJECTS, "image/jpeg",
      "image/png", "image/jpg");
  /** A SageMaker model artifact ({@code model.tar.gz}), SageMaker's type for the {@code model} channel. */
  static final ContentType MODEL = ContentType.of("application/x-sagemaker-model", ContentType.Split.OBJECTS);

  @Override
  public String name() {
    return "image-classification";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("image-classification");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, List.of(RECORDIO, IMAGE), RECORDIO),
        new ChannelRequirement("validation", false, List.of(RECORDIO, IMAGE), RECORDIO),
        new ChannelRequirement("train_lst", false, List.of(IMAGE), IMAGE),
        new ChannelRequirement("validation_lst", false, List.of(IMAGE), IMAGE),
        new ChannelRequirement("model", false, List.of(MODEL), MODEL));
  }

  /** {@code train:accuracy} per epoch, and {@code validation:accuracy} with a validation channel. */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    List<MetricDescriptor> out = new ArrayList<>();
    out.add(new MetricDescriptor("train:accuracy", true));
    if (channels.contains("validation")) {
      out.add(new MetricDescriptor("validation:accuracy", true));
    }
    return out;
  }

  @Override
  public ImageClassificationHyperparameters hyperparameters(Map<String, String> raw) {
    return ImageClassificationHyperparameters.parse(raw);
  }

  @Override
  public OptionalInt plannedRounds(ImageClassificationHyperparameters hp) {
    return OptionalInt.of(hp.epochs());
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("epochs");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, ImageClassificationHyperparameters hp) {
    boolean trainRecordIo = recordIo(context, "train");
    boolean validationRecordIo = context.channel("validation").isPresent() && recordIo(context, "validation");
    for (String channel : List.of("train", "validation")) {
      Optional<ChannelData> data = context.channel(channel);
      boolean list = context.channel(channel + "_lst").isPresent();
      if (list && data.isEmpty()) {
        throw KilnException.user("Channel '" + channel + "_lst' is given without channel '" + channel + "': a .lst "
            + "lists images of the '" + channel + "' channel; add it or remove '" + channel + "_lst'");
      }
      if (list && recordIo(context, channel)) {
        throw KilnException.user("Channel '" + channel + "_lst' is given, but channel '" + channel + "' is "
            + "application/x-recordio, whose records carry their labels: give '" + channel + "' as application/x-image "
            + "or remove '" + channel + "_lst'");
      }
    }
    if (hp.usePretrainedModel() && context.channel("model").isEmpty()) {
      throw KilnException.user("use_pretrained_model=1 starts from the network in the 'model' channel (Kiln cannot "
          + "download pretrained ImageNet weights): give a 'model' channel holding an earlier image-classification "
          + "job's model.tar.gz, or set use_pretrained_model=0 to train from scratch");
    }
    if (hp.float16Requested()) {
      context.log("precision_dtype=float16: Kiln trains in float32 on CPU; the model is float32");
    }
    ClassificationWorker.Result r = context.runOnWorkers(
        new ClassificationWorker(hp, trainRecordIo, validationRecordIo, steps)).get(0);
    return new TrainingOutcome(r.epochs(), r.finalMetrics(), r.stopped());
  }

  private static boolean recordIo(TrainingContext context, String channel) {
    return context.channel(channel).map(c -> c.contentType().equals(RECORDIO)).orElse(false);
  }

  /** One image per object: JPEG or PNG ({@code application/x-image}, {@code image/jpeg}, {@code image/png}). */
  @Override
  public List<ContentType> objectContentTypes() {
    return List.of(IMAGE);
  }

  /** Class probabilities per image, as SageMaker's endpoint answers; see {@link ClassificationPredictor}. */
  @Override
  public io.kiln.spi.ObjectPredictor objectPredictor(Path modelDirectory) {
    return new ClassificationPredictor(modelDirectory);
  }

  /** An Image Classification model directory holds {@value ClassificationModel#NETWORK} and its config. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return ClassificationModel.present(modelDirectory);
  }
}
