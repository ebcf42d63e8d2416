package io.kiln.algorithms.fm;

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
 * SageMaker's Factorization Machines built-in (image {@code factorization-machines}, Kiln spec name
 * {@code factorization-machines}): binary classifiers and regressors with Rendle's pairwise factor
 * term, trained by Kiln's own barrier worker loop ({@link FmWorker}: data-parallel minibatch Adam,
 * one all-reduce per step, a checkpoint offer per epoch).
 *
 * <p>Channels {@code train} (required) and {@code test} ({@code test:*} metrics of the final model),
 * as SageMaker's Factorization Machines takes them. Content types: {@code
 * application/x-recordio-protobuf} (SageMaker's only one; dense or sparse float32), and, as Kiln's
 * extension, {@code text/csv} (label first) and Parquet. The model is {@value FmModel#FILE}, read by
 * {@link FmModel}.
 */
public final class FactorizationMachinesAlgorithm implements Algorithm<FmHyperparameters> {
  private static final List<ContentType> TYPES = List.of(ContentType.RECORDIO_PROTOBUF, ContentType.CSV,
      ContentType.PARQUET);

  @Override
  public String name() {
    return "factorization-machines";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("factorization-machines");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("test", false, TYPES, ContentType.RECORDIO_PROTOBUF));
  }

  /** Every channel needs its label (CSV: the first column), so {@code label_size} must be 1 where given. */
  @Override
  public void checkContentType(String channel, MediaType contentType, ContentType format) {
    String labelSize = contentType.parameter("label_size");
    if (labelSize != null && !labelSize.equals("1")) {
      throw KilnException.user("Channel '" + channel + "' has ContentType '" + contentType + "', but Factorization "
          + "Machines reads a label in the first column of every channel: remove label_size or set it to 1");
    }
  }

  /**
   * Per epoch {@code train:rmse} (regressor) or {@code train:binary_classification_accuracy} and
   * {@code train:binary_classification_cross_entropy} (classifier); with a test channel SageMaker's
   * final {@code test:rmse}, or {@code test:binary_classification_accuracy},
   * {@code test:binary_classification_cross_entropy} and {@code test:binary_f_beta}. Both types'
   * when predictor_type is missing or bad (the job then fails on it).
   */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    String type = hyperparameters.get("predictor_type");
    type = type == null ? "" : type.trim();
    boolean classifier = !type.equals(FmHyperparameters.REGRESSOR);
    boolean regressor = !type.equals(FmHyperparameters.BINARY);
    List<MetricDescriptor> out = new ArrayList<>();
    List<String> prefixes = channels.contains("test") ? List.of("train", "test") : List.of("train");
    for (String p : prefixes) {
      if (regressor) {
        out.add(new MetricDescriptor(p + ":rmse", false));
      }
      if (classifier) {
        out.add(new MetricDescriptor(p + ":binary_classification_accuracy", true));
        out.add(new MetricDescriptor(p + ":binary_classification_cross_entropy", false));
        if (p.equals("test")) {
          out.add(new MetricDescriptor(p + ":binary_f_beta", true));
        }
      }
    }
    return out;
  }

  @Override
  public FmHyperparameters hyperparameters(Map<String, String> raw) {
    return FmHyperparameters.parse(raw);
  }

  @Override
  public OptionalInt plannedRounds(FmHyperparameters hp) {
    return OptionalInt.of(hp.epochs());
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("epochs");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, FmHyperparameters hp) {
    FmWorker.Result r = context.runOnWorkers(new FmWorker(hp, context.channel("test").isPresent())).get(0);
    try {
      Files.write(context.modelDirectory().resolve(FmModel.FILE), r.model());
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    }
    return new TrainingOutcome(r.epochs(), r.finalMetrics(), r.stopped());
  }

  /** A Factorization Machines model directory is one holding {@value FmModel#FILE}. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return Files.isRegularFile(modelDirectory.resolve(FmModel.FILE));
  }

  /**
   * Batch prediction with {@value FmModel#FILE}: {@code score} and, for classifiers,
   * {@code predicted_label}, as SageMaker's Factorization Machines responds; see {@link FmPredictor}.
   */
  @Override
  public io.kiln.spi.Predictor predictor(Path modelDirectory) {
    return new FmPredictor(modelDirectory);
  }

  /** The model of a checkpoint: its parameters after the last epoch it holds. */
  @Override
  public boolean modelFromCheckpoint(Path checkpointDirectory, Path modelDirectory) {
    if (!FmState.present(checkpointDirectory)) {
      return false;
    }
    try {
      Files.write(modelDirectory.resolve(FmModel.FILE), FmState.read(checkpointDirectory).model().toJson());
      return true;
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    }
  }
}
