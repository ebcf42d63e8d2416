package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.images.Augmenter;
import io.kiln.algorithms.vision.nets.Nd4jThreads;
import io.kiln.algorithms.vision.training.DataParallelStep;
import io.kiln.algorithms.vision.training.EpochLoop;
import io.kiln.algorithms.vision.training.ModelChannel;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.algorithms.vision.training.TrainingState;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Image Classification's training loop on one worker: synchronous data-parallel minibatch training
 * of a ResNet ({@link SynchronousSgd}: one all-reduce of the gradient per step), an epoch at a time.
 *
 * <p>Each worker reads its share of the train (and validation) images into memory
 * ({@link LabelledImages}). Every worker builds the same network from the same seed (or the same
 * restored checkpoint, or the {@code model} channel's network), so all start equal. In each epoch a
 * worker visits its images in an order drawn from (epoch, rank), augmented with a generator drawn
 * from the same, {@code mini_batch_size} per step; a worker whose share is shorter than the longest
 * cycles through it again, so every worker takes the same steps with the same batch sizes. After
 * each epoch: {@code train:accuracy} (the epoch's training batches, predicted in the same forward
 * pass that trained on them, as MXNet's training accuracy is), {@code validation:accuracy} (every
 * validation image, centre-cropped, inference mode), early stopping as SageMaker's
 * {@code early_stopping*} say, and a checkpoint (network, updater state, counters, the best network
 * so far).
 *
 * <p>The model rank 0 writes is the network of the epoch with the best validation accuracy (SageMaker's
 * default when {@code checkpoint_frequency} is not set), or the last epoch's without a validation
 * channel; with {@code checkpoint_frequency} the network after every that many epochs is written
 * beside it.
 */
final class ClassificationWorker implements WorkerFunction<ClassificationWorker.Result> {
  private static final long serialVersionUID = 1L;
  /** The seed of every worker's initial network: the same everywhere, so the workers start equal. */
  static final long SEED = 0x1C5EEDL;

  private final ImageClassificationHyperparameters hp;
  private final boolean trainRecordIo;
  private final boolean validationRecordIo;
  private final DataParallelStep.Factory steps;

  /**
   * @param trainRecordIo whether the train channel is RecordIO (else images)
   * @param validationRecordIo the same for the validation channel
   * @param steps the data-parallel mechanism ({@link SynchronousSgd#FACTORY})
   */
  ClassificationWorker(ImageClassificationHyperparameters hp, boolean trainRecordIo, boolean validationRecordIo,
      DataParallelStep.Factory steps) {
    this.hp = hp;
    this.steps = steps;
    this.trainRecordIo = trainRecordIo;
    this.validationRecordIo = validationRecordIo;
  }

  /**
   * What a worker returns.
   *
   * @param epochs epochs trained
   * @param modelEpoch the epoch (counted from 1) whose network is the model
   * @param finalMetrics the model epoch's metrics
   * @param stopped whether a stop request ended training before {@code epochs}
   */
  record Result(int epochs, int modelEpoch, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) {
    Nd4jThreads.limit(ctx.threads());
    boolean hasValidation = ctx.hasChannel("validation");
    LabelledImages train = LabelledImages.read(ctx, "train", hp, trainRecordIo, null);
    boolean folders = !trainRecordIo && !ctx.hasChannel("train_lst");
    LabelledImages validation = hasValidation
        ? LabelledImages.read(ctx, "validation", hp, validationRecordIo, folders ? train.classNames() : null) : null;
    int longest = agreeOnSizes(ctx, train, validation);

    ComputationGraph graph = ImageClassificationNetwork.build(hp, classWeights(ctx, train));
    Optional<TrainingState> restored = TrainingState.restore(ctx, graph);
    if (restored.isEmpty() && ctx.hasChannel("model")) {
      startFromModelChannel(ctx, graph);
    }
    TrainingState state = restored.orElseGet(TrainingState::new);
    DataParallelStep sgd = steps.create(graph, ctx, 2, state.iteration);
    Path modelDir = ctx.modelDirectory();
    EpochLoop loop = new EpochLoop(ctx, graph, sgd, hp.epochs(), validation == null ? null : "validation:accuracy",
        new EpochLoop.EarlyStopping(hp.earlyStopping(), hp.earlyStoppingMinEpochs(), hp.earlyStoppingPatience(),
            hp.earlyStoppingTolerance()));
    EpochLoop.Outcome outcome = loop.run(state, new Epochs(ctx, graph, sgd, train, validation, longest, modelDir));
    if (ctx.rank() == 0) {
      new ClassificationModel(hp.numClasses(), hp.numLayers(), hp.imageShape(),
          hp.resize() == null ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(hp.resize()), hp.multiLabel(),
          train.classNames()).write(graph, modelDir);
    }
    return new Result(outcome.epochs(), outcome.modelEpoch(), outcome.finalMetrics(), outcome.stopped());
  }

  /** One epoch of Image Classification on this worker: augmented minibatches, train and validation accuracy. */
  private final class Epochs implements EpochLoop.Epoch {
    private final WorkerContext ctx;
    private final ComputationGraph graph;
    private final DataParallelStep sgd;
    private final LabelledImages train;
    private final LabelledImages validation;
    private final int longest;
    private final Path modelDir;
    private final TrainingAccuracy accuracy;
    private final Augmenter augmenter;

    Epochs(WorkerContext ctx, ComputationGraph graph, DataParallelStep sgd, LabelledImages train,
        LabelledImages validation, int longest, Path modelDir) {
      this.ctx = ctx;
      this.graph = graph;
      this.sgd = sgd;
      this.train = train;
      this.validation = validation;
      this.longest = longest;
      this.modelDir = modelDir;
      this.accuracy = new TrainingAccuracy(graph, hp.multiLabel());
      graph.setListeners(accuracy);
      ImageClassificationHyperparameters.ImageShape shape = hp.imageShape();
      this.augmenter = new Augmenter(shape.channels(), shape.height(), shape.width());
    }

    @Override
    public Map<String, Double> train(int epoch) {
      ImageClassificationHyperparameters.ImageShape shape = hp.imageShape();
      int pixels = augmenter.size();
      int labelWidth = hp.numClasses();
      int batch = hp.miniBatchSize();
      int steps = (longest + batch - 1) / batch;
      int n = train.images().size();
      int[] order = EpochLoop.permutation(n, SEED, epoch, ctx.rank());
      Random random = new Random(SEED * 31 + epoch * 1_000_003L + ctx.rank());
      double correct = 0;
      double seen = 0;
      for (int step = 0; step < steps; step++) {
        int rows = Math.min(batch, longest - step * batch);
        float[] x = new float[rows * pixels];
        float[] y = new float[rows * labelWidth];
        for (int j = 0; j < rows; j++) {
          int i = order[(step * batch + j) % n];
          augmenter.sample(train.images().get(i), hp.augmentationType(), random, x, j * pixels);
          setLabel(y, j, labelWidth, train.labels().get(i));
        }
        INDArray input = Nd4j.create(x, new long[] {rows, shape.channels(), shape.height(), shape.width()}, 'c');
        INDArray labels = Nd4j.create(y, new long[] {rows, labelWidth}, 'c');
        accuracy.expect(labels);
        float[] stats = sgd.step(input, labels, epoch, (g, out) -> {
          out[0] = accuracy.correct();
          out[1] = (float) (g.score() * rows);
        });
        correct += stats[0];
        seen += rows * (double) ctx.workers();
      }
      double trainAccuracy = correct / (seen * (hp.multiLabel() ? labelWidth : 1));
      ctx.log(String.format(Locale.ROOT, "Epoch[%d] Train-accuracy=%.6f", epoch, trainAccuracy));
      return Map.of("train:accuracy", trainAccuracy);
    }

    @Override
    public double validate(int epoch) {
      return evaluate(ctx, graph, validation);
    }

    @Override
    public void completed(int epochsDone) {
      if (ctx.rank() == 0 && hp.checkpointFrequency() != null && epochsDone % hp.checkpointFrequency() == 0) {
        writeNetwork(graph, modelDir.resolve(ClassificationModel.periodicName(epochsDone)));
      }
    }
  }

  /** Row {@code row} of a {@code [rows, classes]} label matrix: one-hot of a class index, or the 0/1 values. */
  static void setLabel(float[] y, int row, int classes, float[] label) {
    if (label.length == classes && classes > 1) {
      System.arraycopy(label, 0, y, row * classes, classes);
    } else {
      y[row * classes + (int) label[0]] = 1;
    }
  }

  /**
   * Agrees on the share sizes: every worker needs a train image (a step needs every worker's
   * gradient); returns the longest train share, the epoch's length in images per worker.
   */
  private static int agreeOnSizes(WorkerContext ctx, LabelledImages train, LabelledImages validation) {
    float[] sizes = {train.images().size(), -train.images().size(),
        validation == null ? 0 : validation.images().size()};
    float[] most = sizes.clone();
    ctx.allReduce(most, ReduceOp.MAX);
    float[] total = {train.images().size(), validation == null ? 0 : validation.images().size()};
    ctx.allReduce(total, ReduceOp.SUM);
    int fewest = (int) -most[1];
    if (fewest == 0) {
      throw KilnException.user("Channel 'train' has " + (int) total[0] + " image" + (total[0] == 1 ? "" : "s")
          + " for " + ctx.workers() + " workers: every worker needs at least one; give more images or lower "
          + "InstanceCount");
    }
    if (validation != null && total[1] == 0) {
      throw KilnException.user("Channel 'validation' has no images: give images or leave the channel out");
    }
    ctx.log("Worker " + ctx.rank() + ": " + train.images().size() + " train images"
        + (validation == null ? "" : ", " + validation.images().size() + " validation images") + " ("
        + (int) total[0] + " train images in all)");
    return (int) most[0];
  }

  /**
   * The loss weight of each class for {@code use_weighted_loss=1} with {@code multi_label=1}: the
   * inverse of the class's share of positive labels, normalised to mean 1 over the classes (a
   * class with no positive label gets the largest weight any class has). Null when not weighted.
   */
  private double[] classWeights(WorkerContext ctx, LabelledImages train) {
    if (!hp.useWeightedLoss() || !hp.multiLabel()) {
      return null;
    }
    float[] positives = new float[hp.numClasses()];
    for (float[] label : train.labels()) {
      for (int c = 0; c < positives.length; c++) {
        positives[c] += label[c];
      }
    }
    ctx.allReduce(positives, ReduceOp.SUM);
    double[] weights = new double[positives.length];
    double max = 0;
    for (int c = 0; c < weights.length; c++) {
      weights[c] = positives[c] > 0 ? 1.0 / positives[c] : 0;
      max = Math.max(max, weights[c]);
    }
    double sum = 0;
    for (int c = 0; c < weights.length; c++) {
      if (weights[c] == 0) {
        weights[c] = max > 0 ? max : 1;
      }
      sum += weights[c];
    }
    for (int c = 0; c < weights.length; c++) {
      weights[c] *= weights.length / sum;
    }
    return weights;
  }

  /**
   * Accuracy of the validation share in inference mode (centre crops), summed over the workers:
   * the fraction of images whose top class is the label; with multi_label the fraction of (image,
   * class) pairs predicted right (sigmoid at 0.5).
   */
  private double evaluate(WorkerContext ctx, ComputationGraph graph, LabelledImages data) {
    ImageClassificationHyperparameters.ImageShape shape = hp.imageShape();
    Augmenter augmenter = new Augmenter(shape.channels(), shape.height(), shape.width());
    int pixels = augmenter.size();
    int classes = hp.numClasses();
    float[] sums = new float[2];
    int n = data.images().size();
    for (int from = 0; from < n; from += hp.miniBatchSize()) {
      int rows = Math.min(hp.miniBatchSize(), n - from);
      float[] x = new float[rows * pixels];
      float[] y = new float[rows * classes];
      for (int j = 0; j < rows; j++) {
        augmenter.center(data.images().get(from + j), x, j * pixels);
        setLabel(y, j, classes, data.labels().get(from + j));
      }
      INDArray out = graph.outputSingle(false,
          Nd4j.create(x, new long[] {rows, shape.channels(), shape.height(), shape.width()}, 'c'));
      sums[0] += TrainingAccuracy.correct(out, Nd4j.create(y, new long[] {rows, classes}, 'c'), hp.multiLabel(), false);
    }
    sums[1] = n * (float) (hp.multiLabel() ? classes : 1);
    ctx.allReduce(sums, ReduceOp.SUM);
    return sums[1] == 0 ? Double.NaN : sums[0] / sums[1];
  }

  /**
   * SageMaker's incremental training: the {@code model} channel's {@code model.tar.gz} (of an earlier
   * Image Classification job) gives the starting parameters, when it matches this job's network.
   */
  private void startFromModelChannel(WorkerContext ctx, ComputationGraph graph) {
    ModelChannel.withFiles(ctx, dir -> {
      ClassificationModel earlier = ClassificationModel.read(dir);
      if (earlier.numClasses() != hp.numClasses() || earlier.numLayers() != hp.numLayers()
          || !earlier.imageShape().equals(hp.imageShape()) || earlier.multiLabel() != hp.multiLabel()) {
        throw KilnException.user("Channel 'model' holds a network for num_classes=" + earlier.numClasses()
            + ", num_layers=" + earlier.numLayers() + ", image_shape=" + earlier.imageShape().toString() + ", multi_label="
            + (earlier.multiLabel() ? 1 : 0) + ", but this job has num_classes=" + hp.numClasses() + ", num_layers="
            + hp.numLayers() + ", image_shape=" + hp.imageShape().toString() + ", multi_label=" + (hp.multiLabel() ? 1 : 0)
            + ": incremental training continues the same network; set these to the earlier job's values");
      }
      ComputationGraph previous = ClassificationModel.network(dir);
      if (previous.numParams() != graph.numParams()) {
        throw KilnException.user("Channel 'model' holds a network of " + previous.numParams() + " parameters, this "
            + "job's has " + graph.numParams() + ": the model was not trained with these hyperparameters");
      }
      graph.setParams(previous.params());
      ctx.log("Starting from the model channel's network (incremental training)");
    });
  }

  private static void writeNetwork(ComputationGraph graph, Path file) {
    try {
      org.deeplearning4j.util.ModelSerializer.writeModel(graph, file.toFile(), false);
    } catch (IOException e) {
      throw KilnException.internal("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }


}
