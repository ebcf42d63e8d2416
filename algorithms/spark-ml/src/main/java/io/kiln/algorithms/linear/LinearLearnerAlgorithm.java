package io.kiln.algorithms.linear;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * SageMaker's Linear Learner built-in (image {@code linear-learner}, Kiln spec name
 * {@code linear-learner}): binary and multiclass classifiers and regressors, trained by Kiln's own
 * barrier worker loop ({@link LinearLearnerWorker}: data-parallel minibatch adam / sgd / rmsprop
 * over epochs, {@code num_models} models at once, one all-reduce per step, a checkpoint offer per
 * epoch).
 *
 * <p>Channels {@code train} (required), {@code validation} (model selection, threshold calibration,
 * early stopping and {@code validation:*} metrics per epoch) and {@code test} ({@code test:*} metrics
 * of the kept model at the end), as SageMaker's Linear Learner takes them. Content types:
 * {@code application/x-recordio-protobuf} (SageMaker's default; dense or sparse, float32) and
 * {@code text/csv} (label first), as SageMaker documents; Kiln also reads Parquet. SageMaker's Linear
 * Learner does not take {@code text/libsvm}, nor does Kiln's: the runtime refuses it naming these.
 * The model is {@link LinearLearnerModel#FILE}, read by {@link LinearLearnerModel}.
 */
public final class LinearLearnerAlgorithm implements Algorithm<LinearLearnerHyperparameters> {
  private static final List<ContentType> TYPES = List.of(ContentType.RECORDIO_PROTOBUF, ContentType.CSV,
      ContentType.PARQUET);

  @Override
  public String name() {
    return "linear-learner";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("linear-learner");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("validation", false, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("test", false, TYPES, ContentType.RECORDIO_PROTOBUF));
  }

  /**
   * Every channel needs its label (CSV: the first column), so {@code label_size} must be 1 where it is
   * given.
   */
  @Override
  public void checkContentType(String channel, MediaType contentType, ContentType format) {
    String labelSize = contentType.parameter("label_size");
    if (labelSize != null && !labelSize.equals("1")) {
      throw KilnException.user("Channel '" + channel + "' has ContentType '" + contentType + "', but Linear "
          + "Learner reads a label in the first column of every channel: remove label_size or set it to 1");
    }
  }

  /**
   * {@code validation:} metrics (per epoch and final) and {@code test:} metrics (final) for the channels
   * the job has, SageMaker's names for the predictor type ({@link LinearMetrics}; all types' when
   * predictor_type is not given), and {@code train:objective_loss} per epoch.
   */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    String type = hyperparameters.get("predictor_type");
    List<String> types = type == null || !List.of(LinearLearnerHyperparameters.BINARY,
        LinearLearnerHyperparameters.MULTICLASS, LinearLearnerHyperparameters.REGRESSOR).contains(type.trim())
        ? List.of(LinearLearnerHyperparameters.BINARY, LinearLearnerHyperparameters.MULTICLASS,
            LinearLearnerHyperparameters.REGRESSOR)
        : List.of(type.trim());
    List<MetricDescriptor> out = new ArrayList<>();
    for (String channel : List.of("validation", "test")) {
      if (!channels.contains(channel)) {
        continue;
      }
      for (String t : types) {
        for (String m : LinearMetrics.names(t, channel)) {
          MetricDescriptor d = new MetricDescriptor(channel + ":" + m, LinearMetrics.maximize(m));
          if (!out.contains(d)) {
            out.add(d);
          }
        }
      }
    }
    out.add(new MetricDescriptor("train:objective_loss", false));
    return out;
  }

  @Override
  public LinearLearnerHyperparameters hyperparameters(Map<String, String> raw) {
    return LinearLearnerHyperparameters.parse(raw);
  }

  @Override
  public OptionalInt plannedRounds(LinearLearnerHyperparameters hp) {
    return OptionalInt.of(hp.epochs());
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("epochs");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, LinearLearnerHyperparameters hp) {
    if (hp.tuningObjective() != null) {
      context.log("Automatic model tuning: num_models is 1 (as SageMaker's Linear Learner sets it under a tuner)");
    }
    LinearLearnerWorker worker = new LinearLearnerWorker(hp, context.channel("validation").isPresent(),
        context.channel("test").isPresent());
    List<LinearLearnerWorker.Result> results = context.runOnWorkers(worker);
    LinearLearnerWorker.Result r = results.get(0);
    try {
      Files.write(context.modelDirectory().resolve(LinearLearnerModel.FILE), r.model());
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    }
    return new TrainingOutcome(r.epochs(), r.finalMetrics(), r.stopped());
  }

  /** A Linear Learner model directory is one holding {@value LinearLearnerModel#FILE}. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return Files.isRegularFile(modelDirectory.resolve(LinearLearnerModel.FILE));
  }

  /**
   * Batch prediction with {@value LinearLearnerModel#FILE}: {@code score} and, for classifiers,
   * {@code predicted_label}, as SageMaker's Linear Learner responds; see {@link LinearLearnerPredictor}.
   */
  @Override
  public io.kiln.spi.Predictor predictor(Path modelDirectory) {
    return new LinearLearnerPredictor(modelDirectory);
  }

  /**
   * The model of a checkpoint: the model with the lowest training loss in the last epoch trained,
   * with the default threshold (no data is read to calibrate it).
   */
  @Override
  public boolean modelFromCheckpoint(Path checkpointDirectory, Path modelDirectory) {
    if (!TrainingState.present(checkpointDirectory)) {
      return false;
    }
    try {
      TrainingState.read(checkpointDirectory).lowestLossModel().write(modelDirectory);
      return true;
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    }
  }
}
