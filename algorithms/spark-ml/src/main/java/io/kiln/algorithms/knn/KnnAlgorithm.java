package io.kiln.algorithms.knn;

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
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SageMaker's k-nearest-neighbours built-in (image {@code knn}, Kiln spec name {@code knn}): sampling
 * {@code sample_size} training rows over the workers, then an exact index of them ({@link KnnWorker},
 * one barrier stage), a {@code test:accuracy} (classifier) or {@code test:mse} (regressor) from a
 * distributed exact search, and {@link KnnModel}'s files as model.tar.gz.
 *
 * <p>Channels {@code train} (required) and {@code test}, label first, as SageMaker's k-NN takes them;
 * content types {@code application/x-recordio-protobuf} (SageMaker's default; dense or sparse),
 * {@code text/csv} and (Kiln's addition) Parquet. {@code faiss.IVFFlat} and {@code faiss.IVFPQ} are
 * answered by an HNSW graph ({@link HnswGraph}); {@code dimension_reduction_type} {@code sign} and
 * {@code fjlt} by {@link Projection} (docs/built-ins.md, "k-NN").
 */
public final class KnnAlgorithm implements Algorithm<KnnHyperparameters> {
  private static final List<ContentType> TYPES = List.of(ContentType.RECORDIO_PROTOBUF, ContentType.CSV,
      ContentType.PARQUET);

  @Override
  public String name() {
    return "knn";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("knn");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("test", false, TYPES, ContentType.RECORDIO_PROTOBUF));
  }

  /** Both channels need their label (CSV: the first column): label_size must be 1 where given. */
  @Override
  public void checkContentType(String channel, MediaType contentType, ContentType format) {
    String labelSize = contentType.parameter("label_size");
    if (labelSize != null && !labelSize.equals("1")) {
      throw KilnException.user("Channel '" + channel + "' has ContentType '" + contentType + "', but k-NN reads a "
          + "label in the first column of train and test: remove label_size or set it to 1");
    }
  }

  /** {@code test:accuracy} (classifier) or {@code test:mse} (regressor; both when the type is not valid). */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    List<MetricDescriptor> out = new ArrayList<>();
    if (!channels.contains("test")) {
      return out;
    }
    String type = hyperparameters.getOrDefault("predictor_type", "").trim();
    if (!type.equals(KnnHyperparameters.REGRESSOR)) {
      out.add(new MetricDescriptor("test:accuracy", true));
    }
    if (!type.equals(KnnHyperparameters.CLASSIFIER)) {
      out.add(new MetricDescriptor("test:mse", false));
    }
    return out;
  }

  @Override
  public KnnHyperparameters hyperparameters(Map<String, String> raw) {
    KnnHyperparameters hp = KnnHyperparameters.parse(raw);
    return hp;
  }

  @Override
  public TrainingOutcome train(TrainingContext context, KnnHyperparameters hp) {
    List<KnnWorker.Result> results = context.runOnWorkers(new KnnWorker(hp, context.channel("test").isPresent()));
    KnnWorker.Result r = results.get(0);
    return new TrainingOutcome(r.rounds(), r.metrics(), r.stopped());
  }

  /** A k-NN model directory is one holding {@value KnnModel#META}. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return Files.isRegularFile(modelDirectory.resolve(KnnModel.META));
  }

  /** Batch prediction: {@code predicted_label}, see {@link KnnPredictor}. */
  @Override
  public io.kiln.spi.Predictor predictor(Path modelDirectory) {
    return new KnnPredictor(modelDirectory);
  }

  /** The model of the final checkpoint (written once the index is gathered); false before that. */
  @Override
  public boolean modelFromCheckpoint(Path checkpointDirectory, Path modelDirectory) {
    if (!Files.isRegularFile(checkpointDirectory.resolve(KnnModel.META))) {
      return false;
    }
    try {
      for (String f : KnnWorker.files()) {
        if (!Files.exists(checkpointDirectory.resolve(f))) {
          continue;
        }
        Files.copy(checkpointDirectory.resolve(f), modelDirectory.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      }
      return true;
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model files: " + e.getMessage(), e);
    }
  }
}
