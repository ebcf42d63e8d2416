package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.images.Augmenter;
import io.kiln.algorithms.vision.nets.Nd4jThreads;
import io.kiln.algorithms.vision.training.EpochLoop;
import io.kiln.algorithms.vision.training.ModelChannel;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.algorithms.vision.training.TrainingState;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Object Detection's training loop on one worker: synchronous data-parallel minibatch training of
 * the YOLO-style detector ({@link SynchronousSgd}), an epoch at a time, as Image Classification's
 * loop does. After each epoch {@code validation:mAP} (VOC-style at {@code overlap_threshold},
 * {@link MeanAveragePrecision}: every worker's matches merged through one all-gather), early
 * stopping as SageMaker's {@code early_stopping*}, and a checkpoint. The model rank 0 writes is the
 * detector of the epoch with the best validation:mAP, or the last epoch's without a validation
 * channel.
 */
final class DetectionWorker implements WorkerFunction<DetectionWorker.Result> {
  private static final long serialVersionUID = 1L;
  /** Detections scoring below this are not kept for validation:mAP (they only lower precision late). */
  static final double CONFIDENCE = 0.01;

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private final ObjectDetectionHyperparameters hp;
  private final boolean trainRecordIo;
  private final boolean validationRecordIo;

  DetectionWorker(ObjectDetectionHyperparameters hp, boolean trainRecordIo, boolean validationRecordIo) {
    this.hp = hp;
    this.trainRecordIo = trainRecordIo;
    this.validationRecordIo = validationRecordIo;
  }

  /**
   * @param epochs epochs trained
   * @param finalMetrics the model epoch's metrics
   * @param stopped whether a stop request ended training before {@code epochs}
   */
  record Result(int epochs, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) {
    Nd4jThreads.limit(ctx.threads());
    DetectionImages train = DetectionImages.read(ctx, "train", hp, trainRecordIo);
    DetectionImages validation = ctx.hasChannel("validation")
        ? DetectionImages.read(ctx, "validation", hp, validationRecordIo) : null;
    int longest = agreeOnSizes(ctx, train, validation);

    Detectors.Network network = DetectionNetwork.of(hp);
    // frozen layers are set in the configuration: DL4J's setLearningRate on a built graph rebuilds its
    // updater and fails (NetworkUtils.rebuildUpdaterStateArray, 1.0.0-M2.1)
    freeze(ctx, network.configuration());
    ComputationGraph graph = new ComputationGraph(network.configuration());
    graph.init();
    Optional<TrainingState> restored = TrainingState.restore(ctx, graph);
    if (restored.isEmpty() && ctx.hasChannel(ModelChannel.NAME)) {
      startFromModelChannel(ctx, graph);
    } else if (restored.isEmpty() && hp.usePretrainedModel()) {
      ctx.log("use_pretrained_model=1 but the job has no 'model' channel: training the detector from scratch "
          + "(Kiln cannot download SageMaker's pretrained base networks)");
    }
    TrainingState state = restored.orElseGet(TrainingState::new);
    SynchronousSgd sgd = new SynchronousSgd(graph, ctx, 1, state.iteration);
    EpochLoop loop = new EpochLoop(ctx, graph, sgd, hp.epochs(), validation == null ? null : "validation:mAP",
        new EpochLoop.EarlyStopping(hp.earlyStopping(), hp.earlyStoppingMinEpochs(), hp.earlyStoppingPatience(),
            hp.earlyStoppingTolerance()));
    EpochLoop.Outcome outcome = loop.run(state, new EpochLoop.Epoch() {
      @Override
      public Map<String, Double> train(int epoch) {
        trainEpoch(ctx, sgd, network, train, longest, epoch);
        return Map.of();
      }

      @Override
      public double validate(int epoch) {
        return evaluate(ctx, graph, network, validation);
      }
    });
    List<String> classes = classNames(ctx, train.categories()); // collective: every rank
    if (ctx.rank() == 0) {
      new DetectionModel(hp.numClasses(), hp.baseNetwork().value(), hp.imageShape(), hp.nmsThreshold(),
          network.priors(), classes).write(graph, ctx.modelDirectory());
    }
    return new Result(outcome.epochs(), outcome.finalMetrics(), outcome.stopped());
  }

  /**
   * The model's class names, id order: the names every worker's annotations give (JSON
   * {@code categories}, VOC names; for an id named differently, the lowest rank's name), else the id.
   * Every worker takes part (one all-gather).
   */
  private List<String> classNames(WorkerContext ctx, Map<Integer, String> mine) {
    Map<Integer, String> all = new java.util.TreeMap<>();
    try {
      for (String part : ctx.allGather(JSON.writeValueAsString(mine))) {
        Map<Integer, String> theirs = JSON.readValue(part, new com.fasterxml.jackson.core.type.TypeReference<
            Map<Integer, String>>() {});
        theirs.forEach(all::putIfAbsent);
      }
    } catch (java.io.IOException e) {
      throw KilnException.internal("Cannot exchange the class names: " + e.getMessage(), e);
    }
    List<String> names = new ArrayList<>();
    for (int c = 0; c < hp.numClasses(); c++) {
      names.add(all.getOrDefault(c, Integer.toString(c)));
    }
    return names;
  }

  /**
   * SageMaker's incremental training: the {@code model} channel's {@code model.tar.gz} of an earlier
   * Object Detection job gives the starting parameters, when it is the same detector.
   */
  private void startFromModelChannel(WorkerContext ctx, ComputationGraph graph) {
    ModelChannel.withFiles(ctx, dir -> {
      DetectionModel earlier = DetectionModel.read(dir);
      if (earlier.numClasses() != hp.numClasses() || !earlier.baseNetwork().equals(hp.baseNetwork().value())
          || earlier.side() != hp.imageShape()) {
        throw KilnException.user("Channel 'model' holds a detector for num_classes=" + earlier.numClasses()
            + ", base_network=" + earlier.baseNetwork() + ", image_shape=" + earlier.side() + ", but this job has "
            + "num_classes=" + hp.numClasses() + ", base_network=" + hp.baseNetwork().value() + ", image_shape="
            + hp.imageShape() + ": incremental training continues the same detector; set these to the earlier job's "
            + "values");
      }
      ComputationGraph previous = DetectionModel.network(dir);
      if (previous.numParams() != graph.numParams()) {
        throw KilnException.user("Channel 'model' holds a network of " + previous.numParams() + " parameters, this "
            + "job's has " + graph.numParams() + ": the model was not trained with these hyperparameters");
      }
      graph.setParams(previous.params());
      ctx.log("Starting from the model channel's detector (incremental training)");
    });
  }

  /**
   * {@code freeze_layer_pattern}: every layer with parameters whose name it matches (at the start)
   * trains with a learning rate of 0, except the detection head; a pattern that matches no layer is
   * a USER error listing the layers' names (most likely MXNet's names were meant).
   */
  private void freeze(WorkerContext ctx, org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
    if (hp.freezeLayerPattern() == null) {
      return;
    }
    List<String> frozen = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> v : conf.getVertices().entrySet()) {
      String name = v.getKey();
      if (!(v.getValue() instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv)
          || !(lv.getLayerConf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer layer)
          || name.equals("head") || name.equals(Detectors.OUTPUT)) {
        continue;
      }
      names.add(name);
      if (hp.freezes(name)) {
        org.nd4j.linalg.learning.config.IUpdater zero = layer.getIUpdater().clone();
        zero.setLrAndSchedule(0.0, null);
        layer.setIUpdater(zero);
        frozen.add(name);
      }
    }
    if (frozen.isEmpty()) {
      throw KilnException.user("Hyperparameter freeze_layer_pattern=" + hp.freezeLayerPattern() + " matches none of "
          + "the " + hp.baseNetwork().value() + " backbone's layers (Kiln's names, not MXNet's: " + String.join(", ",
          names.subList(0, Math.min(8, names.size()))) + (names.size() > 8 ? ", ..." : "") + "); give a pattern of "
          + "these names (docs/dl4j-detection.md lists them) or leave it out");
    }
    ctx.log("freeze_layer_pattern=" + hp.freezeLayerPattern() + " froze " + frozen.size() + " layers: "
        + String.join(", ", frozen));
  }


  /** One epoch of minibatch steps over this worker's share (centre-placed images, YOLO labels). */
  private void trainEpoch(WorkerContext ctx, SynchronousSgd sgd, Detectors.Network network, DetectionImages train,
      int longest, int epoch) {
    int side = hp.imageShape();
    Augmenter augmenter = new Augmenter(DetectionImages.CHANNELS, side, side);
    int pixels = augmenter.size();
    int batch = hp.miniBatchSize();
    int steps = (longest + batch - 1) / batch;
    int n = train.images().size();
    int[] order = EpochLoop.permutation(n, DetectionNetwork.SEED, epoch, ctx.rank());
    double loss = 0;
    for (int step = 0; step < steps; step++) {
      int rows = Math.min(batch, longest - step * batch);
      float[] x = new float[rows * pixels];
      List<List<YoloLabels.Box>> truth = new ArrayList<>();
      for (int j = 0; j < rows; j++) {
        int i = order[(step * batch + j) % n];
        augmenter.center(train.images().get(i), x, j * pixels);
        truth.add(yolo(train.boxes().get(i)));
      }
      INDArray input = Nd4j.create(x, new long[] {rows, DetectionImages.CHANNELS, side, side}, 'c');
      INDArray labels = YoloLabels.labels(truth, hp.numClasses(), network.gridHeight(), network.gridWidth());
      float[] stats = sgd.step(input, labels, epoch, (g, out) -> out[0] = (float) (g.score() * rows));
      loss += stats[0];
    }
    ctx.log(String.format(Locale.ROOT, "Epoch[%d] Train-loss=%.6f", epoch, loss / ((double) steps * batch
        * ctx.workers())));
  }

  private static List<YoloLabels.Box> yolo(List<Annotations.Box> boxes) {
    List<YoloLabels.Box> out = new ArrayList<>();
    for (Annotations.Box b : boxes) {
      out.add(new YoloLabels.Box(b.classId(), b.xmin(), b.ymin(), b.xmax(), b.ymax()));
    }
    return out;
  }

  /** validation:mAP of the validation images, every worker's matches merged. */
  private double evaluate(WorkerContext ctx, ComputationGraph graph, Detectors.Network network, DetectionImages data) {
    int side = hp.imageShape();
    Augmenter augmenter = new Augmenter(DetectionImages.CHANNELS, side, side);
    int pixels = augmenter.size();
    MeanAveragePrecision map = new MeanAveragePrecision(hp.numClasses(), hp.overlapThreshold(),
        MeanAveragePrecision.sageMaker(hp.numClasses()).interpolation());
    int n = data.images().size();
    for (int from = 0; from < n; from += hp.miniBatchSize()) {
      int rows = Math.min(hp.miniBatchSize(), n - from);
      float[] x = new float[rows * pixels];
      for (int j = 0; j < rows; j++) {
        augmenter.center(data.images().get(from + j), x, j * pixels);
      }
      INDArray out = graph.outputSingle(false, Nd4j.create(x, new long[] {rows, DetectionImages.CHANNELS, side, side},
          'c'));
      List<List<Decoding.Detection>> found = Decoding.decode(out, network.priors(), CONFIDENCE, hp.nmsThreshold());
      for (int j = 0; j < rows; j++) {
        List<Decoding.Detection> d = found.get(j);
        float[][] rowsOf = new float[d.size()][];
        for (int k = 0; k < d.size(); k++) {
          Decoding.Detection e = d.get(k);
          rowsOf[k] = new float[] {e.classId(), (float) e.score(), (float) e.xmin(), (float) e.ymin(), (float) e.xmax(),
              (float) e.ymax()};
        }
        map.add(rowsOf, data.boxes().get(from + j));
      }
    }
    MeanAveragePrecision all = null;
    for (String part : ctx.allGather(map.encode())) {
      MeanAveragePrecision m = MeanAveragePrecision.decode(part);
      if (all == null) {
        all = m;
      } else {
        all.merge(m);
      }
    }
    return all.meanAveragePrecision();
  }

  /** Every worker needs a train image; returns the longest train share. */
  private static int agreeOnSizes(WorkerContext ctx, DetectionImages train, DetectionImages validation) {
    float[] most = {train.images().size(), -train.images().size()};
    ctx.allReduce(most, ReduceOp.MAX);
    float[] total = {train.images().size(), validation == null ? 0 : validation.images().size()};
    ctx.allReduce(total, ReduceOp.SUM);
    if (-most[1] == 0) {
      throw KilnException.user("Channel 'train' has " + (int) total[0] + " annotated images for " + ctx.workers()
          + " workers: every worker needs at least one; give more images or lower InstanceCount");
    }
    if (validation != null && total[1] == 0) {
      throw KilnException.user("Channel 'validation' has no images: give images or leave the channel out");
    }
    ctx.log("Worker " + ctx.rank() + ": " + train.images().size() + " train images"
        + (validation == null ? "" : ", " + validation.images().size() + " validation images"));
    return (int) most[0];
  }

}
