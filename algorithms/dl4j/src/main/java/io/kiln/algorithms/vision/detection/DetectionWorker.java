package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.images.Augmenter;
import io.kiln.algorithms.vision.nets.Nd4jThreads;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.algorithms.vision.training.TrainingState;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
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
    ComputationGraph graph = new ComputationGraph(network.configuration());
    graph.init();
    TrainingState state = new TrainingState();
    Checkpointing checkpoints = ctx.checkpointing();
    Optional<Checkpointing.Restored> restored = checkpoints.restore();
    if (restored.isPresent() && TrainingState.present(restored.get().directory())) {
      state = TrainingState.read(restored.get().directory(), graph);
    } else if (!ctx.hasChannel("model") && hp.usePretrainedModel()) {
      ctx.log("use_pretrained_model=1 but the job has no 'model' channel: training the detector from scratch "
          + "(Kiln cannot download SageMaker's pretrained base networks)");
    }
    SynchronousSgd sgd = new SynchronousSgd(graph, ctx, 1, state.iteration);
    int side = hp.imageShape();
    Augmenter augmenter = new Augmenter(DetectionImages.CHANNELS, side, side);
    int pixels = augmenter.size();
    int batch = hp.miniBatchSize();
    int steps = (longest + batch - 1) / batch;
    boolean stopped = false;
    while (state.epoch < hp.epochs()) {
      long start = System.nanoTime();
      int epoch = state.epoch;
      int n = train.images().size();
      int[] order = permutation(n, epoch, ctx.rank());
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
      state.iteration = sgd.iteration();
      state.epoch++;
      Map<String, Double> metrics = new LinkedHashMap<>();
      double meanLoss = loss / ((double) steps * batch * ctx.workers());
      ctx.log(String.format(Locale.ROOT, "Epoch[%d] Train-loss=%.6f", epoch, meanLoss));
      if (validation != null) {
        double map = evaluate(ctx, graph, network, validation);
        metrics.put("validation:mAP", map);
        ctx.log(String.format(Locale.ROOT, "Epoch[%d] Validation-mAP=%.6f", epoch, map));
        state.observe(map, graph, hp.earlyStoppingTolerance());
      }
      ctx.log(String.format(Locale.ROOT, "Epoch[%d] Time cost=%.3f", epoch, (System.nanoTime() - start) / 1e9));
      state.lastMetrics = metrics;
      if (state.bestEpoch == state.epoch) {
        state.bestMetrics = metrics;
      }
      Directive directive = ctx.report(epoch, ctx.rank() == 0 ? metrics : Map.of());
      TrainingState saved = state;
      Checkpointing.StateWriter writer = dir -> saved.write(dir, graph);
      checkpoints.afterRound(state.epoch, System.nanoTime() - start, directive, writer);
      if (directive == Directive.STOP) {
        stopped = state.epoch < hp.epochs();
        break;
      }
      checkpoints.saveNow(state.epoch, writer);
      if (hp.earlyStopping() && validation != null && state.epoch >= hp.earlyStoppingMinEpochs()
          && state.sinceImprovement >= hp.earlyStoppingPatience()) {
        ctx.log("Early stopping after epoch " + epoch + ": validation:mAP has not improved by more than "
            + "early_stopping_tolerance=" + hp.earlyStoppingTolerance() + " for " + state.sinceImprovement + " epochs");
        break;
      }
    }
    TrainingState last = state;
    checkpoints.saveFinal(state.epoch, dir -> last.write(dir, graph));
    Map<String, Double> finals = state.lastMetrics;
    if (state.bestParams != null && state.bestEpoch != state.epoch) {
      graph.setParams(state.bestParams);
      finals = state.bestMetrics != null ? state.bestMetrics : finals;
      ctx.log("The model is the detector after epoch " + (state.bestEpoch - 1) + ", whose validation:mAP ("
          + state.bestValue + ") was the best");
    }
    if (ctx.rank() == 0) {
      List<String> classes = new ArrayList<>();
      for (int c = 0; c < hp.numClasses(); c++) {
        classes.add(Integer.toString(c));
      }
      new DetectionModel(hp.numClasses(), hp.baseNetwork().value(), side, hp.nmsThreshold(), network.priors(),
          classes).write(graph, ctx.modelDirectory());
    }
    return new Result(state.epoch, finals == null ? Map.of() : finals, stopped);
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

  static int[] permutation(int n, int epoch, int rank) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(DetectionNetwork.SEED + epoch * 7919L + rank * 104_729L);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
