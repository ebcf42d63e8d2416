package io.kiln.algorithms.kmeans;

import io.kiln.algorithms.pca.UnlabelledRows;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * SageMaker's K-Means built-in (image {@code kmeans}, Kiln spec {@code kmeans}), trained by
 * {@link KMeansWorker} in one barrier stage, a round per mini-batch; the model is {@link KMeansModel}
 * ({@value KMeansModel#FILE}).
 *
 * <p>Channels {@code train} (required) and {@code test} (optional; scored with {@code eval_metrics}),
 * each {@code application/x-recordio-protobuf} (the default, dense or sparse), {@code text/csv} (plain:
 * label first, ignored; {@code label_size=0}: features only) or Parquet; SageMaker's K-Means takes no
 * LIBSVM. Metrics (SageMaker's names): {@code test:msd} and {@code test:ssd} (as {@code eval_metrics}
 * asks, with a test channel), and {@code train:msd}, per round the mini-batch's mean squared distance to
 * the centers before its step, finally the model's on the whole train channel.
 */
public final class KMeansAlgorithm implements Algorithm<KMeansHyperparameters> {
  static final List<ContentType> TYPES = List.of(ContentType.RECORDIO_PROTOBUF, ContentType.CSV, ContentType.PARQUET);

  @Override
  public String name() {
    return "kmeans";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kmeans");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("test", false, TYPES, ContentType.RECORDIO_PROTOBUF));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    List<MetricDescriptor> m = new ArrayList<>();
    if (channels.contains("test")) {
      boolean[] asked;
      try {
        asked = KMeansHyperparameters.evalMetrics(hyperparameters.getOrDefault("eval_metrics", "[\"msd\"]"));
      } catch (RuntimeException e) {
        asked = new boolean[] {true, false}; // the job itself is refused with the message
      }
      // what the job reports: the test metrics eval_metrics asks for (SageMaker: "the score is reported for
      // each of the metrics requested")
      if (asked[0]) {
        m.add(new MetricDescriptor("test:msd", false));
      }
      if (asked[1]) {
        m.add(new MetricDescriptor("test:ssd", false));
      }
    }
    m.add(new MetricDescriptor("train:msd", false));
    return m;
  }

  @Override
  public KMeansHyperparameters hyperparameters(Map<String, String> raw) {
    return KMeansHyperparameters.parse(raw);
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("epochs");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, KMeansHyperparameters p) {
    UnlabelledRows.Layout train = UnlabelledRows.Layout.of(context.channel("train").orElseThrow());
    UnlabelledRows.Layout test = context.channel("test").map(UnlabelledRows.Layout::of).orElse(null);
    KMeansWorker.Result r = context.runOnWorkers(new KMeansWorker(p, train, test)).get(0);
    return new TrainingOutcome(r.rounds(), r.metrics(), r.stopped());
  }

  /**
   * The model of a checkpoint (a job stopped while no training ran): the local Lloyd reduction of its
   * centers, without the full-data refinement (no data is read here).
   */
  @Override
  public boolean modelFromCheckpoint(Path checkpointDirectory, Path modelDirectory) {
    try {
      KMeansState s = KMeansState.read(checkpointDirectory);
      KMeansHyperparameters p = s.params();
      double[] centers = KMeansCore.reduce(s.centers(), s.counts(), p.featureDim(), p.k(), p.trials(),
          p.localLloydKMeansPlusPlus(), p.localLloydMaxIter(), p.localLloydTol());
      KMeansModel.of(centers, p.k(), p.featureDim()).write(modelDirectory);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A model directory is this algorithm's when it holds {@value KMeansModel#FILE}. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return java.nio.file.Files.isRegularFile(modelDirectory.resolve(KMeansModel.FILE));
  }

  /**
   * Batch prediction ({@code kiln predict}) with {@value KMeansModel#FILE}: {@code closest_cluster} and
   * {@code distance_to_cluster}, as SageMaker's K-Means responds; see {@link KMeansPredictor}.
   *
   * @throws io.kiln.spi.KilnException USER when the directory holds no readable {@value KMeansModel#FILE}
   */
  @Override
  public io.kiln.spi.Predictor predictor(Path modelDirectory) {
    return new KMeansPredictor(modelDirectory);
  }
}
