package io.kiln.algorithms.pca;

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
import java.util.Set;

/**
 * SageMaker's PCA built-in (image {@code pca}, Kiln spec {@code pca}): principal components of the
 * train channel, exact ({@code algorithm_mode=regular}: the eigen-decomposition of the exactly
 * summed scatter matrix) or approximate ({@code randomized}: a single-pass Nyström sketch, see
 * {@link PcaFit}). Trained by {@link PcaWorker} in one barrier stage, a round per mini-batch;
 * the model is {@link PcaModel} ({@value PcaModel#FILE}).
 *
 * <p>Channels: {@code train} (required) and {@code test} (optional: "scored by the final algorithm",
 * SageMaker's PCA page), each {@code application/x-recordio-protobuf} (the default, dense or sparse),
 * {@code text/csv} (plain: label first, ignored; {@code label_size=0}: features only) or Parquet.
 * SageMaker's PCA takes no LIBSVM. Metrics: SageMaker's PCA emits none; Kiln emits
 * {@code train:explained_variance_ratio} (the top components' share of the training rows' variance)
 * and, with a test channel, {@code test:explained_variance_ratio} (of the test rows' variance about
 * the model's mean).
 */
public final class PcaAlgorithm implements Algorithm<PcaHyperparameters> {
  static final List<ContentType> TYPES = List.of(ContentType.RECORDIO_PROTOBUF, ContentType.CSV, ContentType.PARQUET);

  @Override
  public String name() {
    return "pca";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("pca");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.RECORDIO_PROTOBUF),
        new ChannelRequirement("test", false, TYPES, ContentType.RECORDIO_PROTOBUF));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    List<MetricDescriptor> m = new ArrayList<>();
    m.add(new MetricDescriptor("train:explained_variance_ratio", true));
    if (channels.contains("test")) {
      m.add(new MetricDescriptor("test:explained_variance_ratio", true));
    }
    return m;
  }

  @Override
  public PcaHyperparameters hyperparameters(Map<String, String> raw) {
    return PcaHyperparameters.parse(raw);
  }

  @Override
  public TrainingOutcome train(TrainingContext context, PcaHyperparameters p) {
    UnlabelledRows.Layout train = UnlabelledRows.Layout.of(context.channel("train").orElseThrow());
    UnlabelledRows.Layout test = context.channel("test").map(UnlabelledRows.Layout::of).orElse(null);
    List<PcaWorker.Result> results = context.runOnWorkers(new PcaWorker(p, train, test));
    PcaWorker.Result r = results.get(0);
    return new TrainingOutcome(r.rounds(), r.metrics(), r.stopped());
  }

  @Override
  public boolean modelFromCheckpoint(Path checkpointDirectory, Path modelDirectory) {
    try {
      PcaFit.model(PcaState.read(checkpointDirectory)).write(modelDirectory);
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A model directory is this algorithm's when it holds {@value PcaModel#FILE}. */
  @Override
  public boolean recognizes(Path modelDirectory) {
    return java.nio.file.Files.isRegularFile(modelDirectory.resolve(PcaModel.FILE));
  }

  /**
   * Batch prediction ({@code kiln predict}) with {@value PcaModel#FILE}: {@code projection}, as SageMaker's PCA
   * responds; see {@link PcaPredictor}.
   *
   * @throws io.kiln.spi.KilnException USER when the directory holds no readable {@value PcaModel#FILE}
   */
  @Override
  public io.kiln.spi.Predictor predictor(Path modelDirectory) {
    return new PcaPredictor(modelDirectory);
  }
}
