package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.nets.Nd4jNatives;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ObjectPredictor;
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
 * SageMaker's Object Detection built-in (image {@code object-detection}, Kiln spec name
 * {@code object-detection}): a single-shot YOLO-style detector ({@link Detectors}) on Deeplearning4j,
 * trained by Kiln's barrier worker loop ({@link DetectionWorker}: synchronous data parallelism, a
 * checkpoint per epoch, {@code validation:mAP} per epoch).
 *
 * <p>Channels as SageMaker's: {@code train} (required) and {@code validation}, each
 * {@code application/x-recordio} (MXNet detection records) or {@code application/x-image} with a
 * {@code train_annotation} / {@code validation_annotation} channel of SageMaker JSON or Pascal VOC
 * XML files; {@code model} is accepted and, as Kiln cannot download pretrained base networks,
 * {@code use_pretrained_model=1} without it trains from scratch and says so in the log.
 */
public final class ObjectDetectionAlgorithm implements Algorithm<ObjectDetectionHyperparameters> {
  static {
    Nd4jNatives.select();
  }

  static final ContentType RECORDIO = ContentType.of("application/x-recordio", ContentType.Split.OBJECTS, "recordio");
  static final ContentType IMAGE = ContentType.of("application/x-image", ContentType.Split.OBJECTS, "image/jpeg",
      "image/png", "image/jpg");
  static final ContentType JSON = ContentType.of("application/json", ContentType.Split.OBJECTS);
  static final ContentType MODEL = ContentType.of("application/x-sagemaker-model", ContentType.Split.OBJECTS);

  @Override
  public String name() {
    return "object-detection";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("object-detection");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, List.of(RECORDIO, IMAGE), RECORDIO),
        new ChannelRequirement("validation", false, List.of(RECORDIO, IMAGE), RECORDIO),
        new ChannelRequirement("train_annotation", false, List.of(JSON, IMAGE), JSON),
        new ChannelRequirement("validation_annotation", false, List.of(JSON, IMAGE), JSON),
        new ChannelRequirement("model", false, List.of(MODEL), MODEL));
  }

  /** {@code validation:mAP} per epoch with a validation channel. */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    List<MetricDescriptor> out = new ArrayList<>();
    if (channels.contains("validation")) {
      out.add(new MetricDescriptor("validation:mAP", true));
    }
    return out;
  }

  @Override
  public ObjectDetectionHyperparameters hyperparameters(Map<String, String> raw) {
    return ObjectDetectionHyperparameters.parse(raw);
  }

  @Override
  public OptionalInt plannedRounds(ObjectDetectionHyperparameters hp) {
    return OptionalInt.of(hp.epochs());
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("epochs");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, ObjectDetectionHyperparameters hp) {
    for (String channel : List.of("train", "validation")) {
      if (context.channel(channel + "_annotation").isPresent() && context.channel(channel).isEmpty()) {
        throw KilnException.user("Channel '" + channel + "_annotation' is given without channel '" + channel
            + "': annotations describe the images of '" + channel + "'; add it or remove '" + channel + "_annotation'");
      }
    }
    boolean trainRecordIo = recordIo(context, "train");
    boolean validationRecordIo = context.channel("validation").isPresent() && recordIo(context, "validation");
    DetectionWorker.Result r = context.runOnWorkers(new DetectionWorker(hp, trainRecordIo, validationRecordIo)).get(0);
    return new TrainingOutcome(r.epochs(), r.finalMetrics(), r.stopped());
  }

  private static boolean recordIo(TrainingContext context, String channel) {
    return context.channel(channel).map(c -> c.contentType().equals(RECORDIO)).orElse(false);
  }

  @Override
  public List<ContentType> objectContentTypes() {
    return List.of(IMAGE);
  }

  @Override
  public ObjectPredictor objectPredictor(Path modelDirectory) {
    return new DetectionPredictor(modelDirectory);
  }

  @Override
  public boolean recognizes(Path modelDirectory) {
    return DetectionModel.present(modelDirectory);
  }
}
