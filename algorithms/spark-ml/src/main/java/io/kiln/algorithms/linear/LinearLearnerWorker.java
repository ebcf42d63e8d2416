package io.kiln.algorithms.linear;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Linear Learner's training loop on one worker: synchronous data-parallel minibatch training of
 * {@code num_models} linear models at once.
 *
 * <p>Each worker reads its share of the channels into memory. The features' normalisation (and a
 * regressor's label's) comes from the first {@code num_point_for_scaler} rows, summed across workers.
 * In each epoch every worker visits its rows in an order drawn from (epoch, rank); at each step each
 * worker computes the gradients of every model on its next {@code mini_batch_size} rows, one
 * all-reduce sums them (and the losses) across workers, and every worker applies the same update, so
 * all hold the same models. After each epoch the models' losses on the validation channel (or train)
 * are summed, the metrics of the best model are reported, early stopping is decided and the state is
 * offered to the checkpoint service. At the end the model with the best selection criterion on the
 * validation channel (or train) is kept, with its threshold calibrated there (binary classifiers).
 */
final class LinearLearnerWorker implements WorkerFunction<LinearLearnerWorker.Result> {
  private static final long serialVersionUID = 1L;
  private static final double EPSILON = 1e-8;

  private final LinearLearnerHyperparameters hp;
  private final boolean validation;
  private final boolean test;

  LinearLearnerWorker(LinearLearnerHyperparameters hp, boolean validation, boolean test) {
    this.hp = hp;
    this.validation = validation;
    this.test = test;
  }

  /**
   * What a worker returns.
   *
   * @param model the kept model's JSON document (rank 0 only, else null)
   * @param epochs epochs trained
   * @param finalMetrics the kept model's metrics on the validation and test channels
   * @param stopped whether a stop directive or early stopping ended training before {@code epochs}
   */
  record Result(byte[] model, int epochs, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  /** One channel's rows on this worker, with the accessors training needs. */
  static final class Rows {
    final LabeledData data;
    final int n;

    Rows(LabeledData data) {
      this.data = data;
      this.n = data.rows();
    }

    float label(int i) {
      return data.labels()[i];
    }

    /** {@code sum_j u[off + j] * x_ij}. */
    double dot(int i, double[] u, int off) {
      double s = 0;
      if (data.isDense()) {
        int c = data.columns();
        float[] x = data.dense();
        int base = i * c;
        for (int j = 0; j < c; j++) {
          s += u[off + j] * x[base + j];
        }
      } else {
        int[] idx = data.indices();
        float[] v = data.values();
        for (long p = data.rowOffsets()[i]; p < data.rowOffsets()[i + 1]; p++) {
          s += u[off + idx[(int) p]] * v[(int) p];
        }
      }
      return s;
    }

    /** {@code acc[off + j] += g * x_ij}. */
    void axpy(int i, double g, float[] acc, int off) {
      if (data.isDense()) {
        int c = data.columns();
        float[] x = data.dense();
        int base = i * c;
        for (int j = 0; j < c; j++) {
          acc[off + j] += (float) (g * x[base + j]);
        }
      } else {
        int[] idx = data.indices();
        float[] v = data.values();
        for (long p = data.rowOffsets()[i]; p < data.rowOffsets()[i + 1]; p++) {
          acc[off + idx[(int) p]] += (float) (g * v[(int) p]);
        }
      }
    }
  }

  @Override
  public Result run(WorkerContext ctx) {
    Checkpointing checkpoints = ctx.checkpointing();
    ReadOptions options = ReadOptions.labelled(false);
    Rows train = new Rows(ctx.read("train", options));
    Rows val = validation ? new Rows(ctx.read("validation", options)) : null;
    Rows tst = test ? new Rows(ctx.read("test", options)) : null;
    int d = checkData(ctx, train, val, tst);
    int k = hp.outputs();
    int models = hp.numModels();

    TrainingState s;
    Optional<Checkpointing.Restored> restored = checkpoints.restore();
    if (restored.isPresent() && TrainingState.present(restored.get().directory())) {
      s = TrainingState.read(restored.get().directory());
      if (s.features != d || s.outputs != k || s.models() != models) {
        throw KilnException.internal("The checkpoint's Linear Learner state (" + s.features + " features, "
            + s.outputs + " outputs, " + s.models() + " models) does not fit this job (" + d + ", " + k + ", "
            + models + ")", null);
      }
    } else {
      s = new TrainingState(models, d, k);
      s.predictorType = hp.predictorType();
      s.numClasses = hp.numClasses();
      s.loss = hp.loss();
      normalisation(ctx, train, s);
      initialise(s);
    }
    double[] weights = classWeights(ctx, train);
    Loss loss = Loss.of(hp, s.labelScale);
    Loss rawLoss = Loss.of(hp, 1);
    double lossScale = lossScale(s.labelScale);

    // the steps of an epoch: every worker takes as many as the worker with the most rows needs
    float[] most = {(float) Math.ceil(train.n / (double) hp.miniBatchSize())};
    ctx.allReduce(most, ReduceOp.MAX);
    int steps = Math.max(1, (int) most[0]);
    int schedulerStep = hp.schedulerStep(steps);

    boolean stopped = false;
    Map<String, Double> last = Map.of();
    while (s.epoch < hp.epochs() && s.badEpochs < hp.earlyStoppingPatience()) {
      long start = System.nanoTime();
      int[] order = permutation(train.n, s.epoch, ctx.rank());
      double[] epochLoss = new double[models];
      double epochRows = 0;
      for (int step = 0; step < steps; step++) {
        int from = step * hp.miniBatchSize();
        int to = Math.min(train.n, from + hp.miniBatchSize());
        float[] buffer = gradients(s, train, order, from, to, loss, weights);
        ctx.allReduce(buffer, ReduceOp.SUM);
        double rows = buffer[buffer.length - 1];
        for (int m = 0; m < models; m++) {
          epochLoss[m] += buffer[buffer.length - 1 - models + m];
        }
        epochRows += rows;
        if (rows > 0) {
          update(s, buffer, rows);
        }
        if (hp.useLrScheduler() && s.step % schedulerStep == 0) {
          s.lrFactor = s.lrFactor * hp.lrSchedulerFactor();
        }
      }
      Map<String, Double> metrics = new LinkedHashMap<>();
      int best = 0;
      for (int m = 0; m < models; m++) {
        s.lastLoss[m] = epochLoss[m] / Math.max(1, epochRows) * lossScale;
        if (s.lastLoss[m] < s.lastLoss[best]) {
          best = m;
        }
      }
      double watched = s.lastLoss[best];
      if (val != null) {
        double[] vloss = channelLosses(ctx, s, val, rawLoss);
        best = argmin(vloss);
        watched = vloss[best];
        Pooled p = pool(ctx, s, val, best, Long.MAX_VALUE);
        metrics.putAll(LinearMetrics.compute("validation", hp, p.scores, p.labels, defaultThreshold(), vloss[best]));
      }
      metrics.put("train:objective_loss", s.lastLoss[best]);
      s.epoch++;
      // early stopping on the objective loss: an improvement smaller than the relative tolerance counts as none
      if (Double.isNaN(s.bestLoss) || (s.bestLoss - watched) > hp.earlyStoppingTolerance() * Math.abs(s.bestLoss)) {
        s.bestLoss = Double.isNaN(s.bestLoss) ? watched : Math.min(s.bestLoss, watched);
        s.badEpochs = 0;
      } else {
        s.badEpochs++;
        s.bestLoss = Math.min(s.bestLoss, watched);
      }
      Directive directive = ctx.report(s.epoch - 1, ctx.rank() == 0 ? metrics : Map.of());
      last = metrics;
      checkpoints.afterRound(s.epoch, System.nanoTime() - start, directive, s.writer());
      if (directive == Directive.STOP) {
        stopped = s.epoch < hp.epochs();
        break;
      }
      if (s.badEpochs >= hp.earlyStoppingPatience()) {
        stopped = s.epoch < hp.epochs();
        if (ctx.rank() == 0) {
          ctx.log("Early stopping: the " + (val != null ? "validation" : "training") + " objective_loss did not "
              + "improve by more than early_stopping_tolerance=" + hp.earlyStoppingTolerance() + " (relative) for "
              + hp.earlyStoppingPatience() + " epoch(s); stopped after epoch " + (s.epoch - 1) + " (0-based) of "
              + hp.epochs());
        }
      }
    }
    checkpoints.saveFinal(s.epoch, s.writer());

    // the kept model: the best on validation (else train), its threshold calibrated there
    Rows selection = val != null ? val : train;
    long cap = Math.max(1, (hp.numCalibrationSamples() + ctx.workers() - 1) / ctx.workers());
    int chosen = 0;
    double threshold = defaultThreshold();
    double bestValue = Double.NEGATIVE_INFINITY;
    double[] selectionLoss = channelLosses(ctx, s, selection, rawLoss);
    for (int m = 0; m < models; m++) {
      double value;
      double t = defaultThreshold();
      if (hp.predictorType().equals(LinearLearnerHyperparameters.BINARY)) {
        Pooled p = pool(ctx, s, selection, m, cap);
        LinearMetrics.Calibrated c = LinearMetrics.calibrate(hp, p.scores, p.labels, defaultThreshold(),
            selectionLoss[m]);
        value = c.value();
        t = c.threshold();
      } else {
        value = -selectionLoss[m];
      }
      if (value > bestValue || (value == bestValue && selectionLoss[m] < selectionLoss[chosen])) {
        bestValue = value;
        chosen = m;
        threshold = t;
      }
    }
    if (ctx.rank() == 0) {
      LinearLearnerHyperparameters.ModelSetting setting = hp.models().get(chosen);
      ctx.log("Kept model " + chosen + " of " + models + " (learning_rate=" + setting.learningRate() + ", wd="
          + setting.wd() + ", l1=" + setting.l1() + ") by "
          + (hp.predictorType().equals(LinearLearnerHyperparameters.BINARY) ? hp.selectionCriterion() : "objective_loss")
          + " on the " + (val != null ? "validation" : "train") + " channel"
          + (hp.predictorType().equals(LinearLearnerHyperparameters.BINARY) ? ", threshold " + threshold : ""));
    }
    Map<String, Double> finals = new LinkedHashMap<>();
    if (val != null) {
      Pooled p = pool(ctx, s, val, chosen, Long.MAX_VALUE);
      finals.putAll(LinearMetrics.compute("validation", hp, p.scores, p.labels, threshold,
          channelLosses(ctx, s, val, rawLoss)[chosen]));
    }
    if (tst != null) {
      Pooled p = pool(ctx, s, tst, chosen, Long.MAX_VALUE);
      finals.putAll(LinearMetrics.compute("test", hp, p.scores, p.labels, threshold,
          channelLosses(ctx, s, tst, rawLoss)[chosen]));
    }
    if (finals.isEmpty()) {
      finals.put("train:objective_loss", last.getOrDefault("train:objective_loss", s.lastLoss[chosen]));
    }
    byte[] model = ctx.rank() == 0
        ? s.model(chosen, hp.predictorType(), hp.numClasses(), hp.loss(), threshold).toJson() : null;
    return new Result(model, s.epoch, finals, stopped);
  }

  private double defaultThreshold() {
    return hp.loss().equals("hinge_loss") ? 0 : 0.5;
  }

  /** The factor from a loss in normalised label units to raw units (regressors with a scaled label). */
  private double lossScale(double labelScale) {
    if (!hp.predictorType().equals(LinearLearnerHyperparameters.REGRESSOR)) {
      return 1;
    }
    return switch (hp.loss()) {
      case "squared_loss", "eps_insensitive_squared_loss", "huber_loss" -> labelScale * labelScale;
      default -> labelScale;
    };
  }

  private static int argmin(double[] a) {
    int best = 0;
    for (int i = 1; i < a.length; i++) {
      if (a[i] < a[best] || Double.isNaN(a[best])) {
        best = i;
      }
    }
    return best;
  }

  /** The rows of this worker in the order of an epoch: a permutation drawn from (epoch, rank). */
  static int[] permutation(int n, int epoch, int rank) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(0x5eedL * 1_000_003L + epoch * 7919L + rank);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * Checks labels, features and feature counts; every worker agrees on the first problem (lowest
   * rank) and throws it. Returns the feature count.
   */
  private int checkData(WorkerContext ctx, Rows train, Rows val, Rows tst) {
    int d = train.data.columns();
    if (hp.featureDim() > 0) {
      if (d > hp.featureDim() || (train.data.isDense() && d != hp.featureDim())) {
        throw KilnException.user("Hyperparameter feature_dim=" + hp.featureDim() + " does not match the train channel's " + d
            + " feature(s): set feature_dim to " + d + " or auto");
      }
      d = hp.featureDim();
    }
    String problem = null;
    for (Map.Entry<String, Rows> e : channels(train, val, tst).entrySet()) {
      Rows r = e.getValue();
      if (problem == null && r.data.columns() > d) {
        problem = "Channel '" + e.getKey() + "' has " + r.data.columns() + " features but train has " + d
            + ": every channel needs the train channel's features, in the same order";
      } else if (problem == null && r.data.isDense() && r.data.columns() != d && r.n > 0) {
        problem = "Channel '" + e.getKey() + "' has " + r.data.columns() + " features but train has " + d
            + ": every channel needs the train channel's features, in the same order";
      }
      for (int i = 0; problem == null && i < r.n; i++) {
        String bad = badRow(r, i);
        if (bad != null) {
          problem = ctx.rowError(e.getKey(), i, bad).getMessage();
        }
      }
    }
    float[] flag = {problem == null ? 0 : 1};
    ctx.allReduce(flag, ReduceOp.MAX);
    if (flag[0] > 0) {
      List<String> all = ctx.allGather(problem == null ? "" : problem);
      for (String p : all) {
        if (!p.isEmpty()) {
          throw KilnException.user(p);
        }
      }
    }
    float[] rows = {train.n};
    ctx.allReduce(rows, ReduceOp.SUM);
    if (rows[0] == 0) {
      throw KilnException.user("Channel 'train' has no rows: Linear Learner needs labelled rows to train on");
    }
    return d;
  }

  private static Map<String, Rows> channels(Rows train, Rows val, Rows tst) {
    Map<String, Rows> m = new LinkedHashMap<>();
    m.put("train", train);
    if (val != null) {
      m.put("validation", val);
    }
    if (tst != null) {
      m.put("test", tst);
    }
    return m;
  }

  /** What is wrong with row {@code i} (its label for the predictor type, a missing feature), or null. */
  private String badRow(Rows r, int i) {
    float y = r.label(i);
    switch (hp.predictorType()) {
      case LinearLearnerHyperparameters.BINARY -> {
        if (y != 0 && y != 1) {
          return "label " + y + " is not 0 or 1, which predictor_type=binary_classifier needs (as SageMaker's "
              + "Linear Learner); relabel the classes as 0 and 1, or use multiclass_classifier or regressor";
        }
      }
      case LinearLearnerHyperparameters.MULTICLASS -> {
        if (y != Math.rint(y) || y < 0 || y >= hp.numClasses()) {
          return "label " + y + " is not a class from 0 to " + (hp.numClasses() - 1) + " (num_classes="
              + hp.numClasses() + "); relabel the classes 0 to num_classes - 1, or raise num_classes";
        }
      }
      default -> {
        if (!Double.isFinite(y)) {
          return "label " + y + " is not a finite number, which predictor_type=regressor needs";
        }
      }
    }
    if (r.data.isDense()) {
      int c = r.data.columns();
      for (int j = 0; j < c; j++) {
        float x = r.data.dense()[i * c + j];
        if (!Float.isFinite(x)) {
          return "feature " + (j + 1) + " is " + (Float.isNaN(x) ? "missing" : "infinite") + "; Linear Learner "
              + "takes no missing or infinite values (SageMaker's fails on them): impute or drop the value";
        }
      }
    } else {
      for (long p = r.data.rowOffsets()[i]; p < r.data.rowOffsets()[i + 1]; p++) {
        if (!Float.isFinite(r.data.values()[(int) p])) {
          return "feature index " + r.data.indices()[(int) p] + " is not a finite number; Linear Learner takes no "
              + "missing or infinite values: impute or drop the value";
        }
      }
    }
    return null;
  }

  /**
   * The normalisation: each worker's first rows (num_point_for_scaler in all) give the features'
   * means and standard deviations (and a regressor's label's), in two all-reduced passes.
   */
  private void normalisation(WorkerContext ctx, Rows train, TrainingState s) {
    int d = s.features;
    int take = (int) Math.min(train.n, (hp.numPointForScaler() + (long) ctx.workers() - 1) / ctx.workers());
    boolean dense = train.data.isDense();
    boolean center = hp.normalizeData() && (hp.centerData() != null ? hp.centerData() : dense);
    float[] sums = new float[d + 2];
    for (int i = 0; i < take; i++) {
      addRow(train, i, sums, 1, 0, null);
      sums[d] += train.label(i);
      sums[d + 1] += 1;
    }
    ctx.allReduce(sums, ReduceOp.SUM);
    double count = Math.max(1, sums[d + 1]);
    double[] mean = new double[d];
    for (int j = 0; j < d; j++) {
      mean[j] = sums[j] / count;
    }
    double labelMean = sums[d] / count;
    float[] squares = new float[d + 1];
    for (int i = 0; i < take; i++) {
      addRow(train, i, squares, 2, 0, mean);
      double r = train.label(i) - labelMean;
      squares[d] += (float) (r * r);
    }
    if (!dense) {
      // a sparse row's absent features are zeros: (0 - mean)^2 for each, added once per row below
      for (int i = 0; i < take; i++) {
        boolean[] present = new boolean[d];
        for (long p = train.data.rowOffsets()[i]; p < train.data.rowOffsets()[i + 1]; p++) {
          present[train.data.indices()[(int) p]] = true;
        }
        for (int j = 0; j < d; j++) {
          if (!present[j]) {
            squares[j] += (float) (mean[j] * mean[j]);
          }
        }
      }
    }
    ctx.allReduce(squares, ReduceOp.SUM);
    for (int j = 0; j < d; j++) {
      double sd = Math.sqrt(squares[j] / count);
      if (hp.normalizeData()) {
        s.invScale[j] = sd > 1e-12 ? 1 / sd : 1;
        s.shift[j] = center ? mean[j] : 0;
      }
    }
    if (hp.normalizeLabel()) {
      double sd = Math.sqrt(squares[d] / count);
      s.labelShift = labelMean;
      s.labelScale = sd > 1e-12 ? sd : 1;
    }
  }

  /** Adds row i's features (power 1) or squared deviations from {@code mean} (power 2) into acc. */
  private static void addRow(Rows r, int i, float[] acc, int power, int off, double[] mean) {
    if (r.data.isDense()) {
      int c = r.data.columns();
      for (int j = 0; j < c; j++) {
        double x = r.data.dense()[i * c + j];
        acc[off + j] += (float) (power == 1 ? x : (x - mean[j]) * (x - mean[j]));
      }
    } else {
      for (long p = r.data.rowOffsets()[i]; p < r.data.rowOffsets()[i + 1]; p++) {
        int j = r.data.indices()[(int) p];
        double x = r.data.values()[(int) p];
        acc[off + j] += (float) (power == 1 ? x : (x - mean[j]) * (x - mean[j]));
      }
    }
  }

  /** Initial weights: uniform in +-init_scale or normal with init_sigma, per model from its index. */
  private void initialise(TrainingState s) {
    int d = s.features;
    for (int m = 0; m < s.models(); m++) {
      Random random = new Random(1_000_003L * (m + 1));
      for (int k = 0; k < s.outputs; k++) {
        int o = k * (d + 1);
        for (int j = 0; j < d; j++) {
          s.params[m][o + j] = hp.initMethod().equals("normal") ? random.nextGaussian() * hp.initSigma()
              : (random.nextDouble() * 2 - 1) * hp.initScale();
        }
        s.params[m][o + d] = hp.useBias() ? hp.initBias() : 0;
      }
    }
  }

  /**
   * Per-row training weights: positive_example_weight_mult for label 1 (balanced: negatives over
   * positives), or balance_multiclass_weights (rows over classes x the class's rows); null when all 1.
   */
  private double[] classWeights(WorkerContext ctx, Rows train) {
    boolean binary = hp.predictorType().equals(LinearLearnerHyperparameters.BINARY);
    boolean multi = hp.predictorType().equals(LinearLearnerHyperparameters.MULTICLASS);
    if (binary && hp.positiveExampleWeightMult() == 1) {
      return null;
    }
    if (!binary && !(multi && hp.balanceMulticlassWeights())) {
      return null;
    }
    int classes = binary ? 2 : hp.numClasses();
    float[] counts = new float[classes];
    for (int i = 0; i < train.n; i++) {
      counts[(int) train.label(i)]++;
    }
    ctx.allReduce(counts, ReduceOp.SUM);
    double[] w = new double[classes];
    if (binary) {
      w[0] = 1;
      w[1] = hp.positiveExampleWeightMult() > 0 ? hp.positiveExampleWeightMult()
          : counts[1] == 0 ? 1 : counts[0] / (double) counts[1];
      if (ctx.rank() == 0 && hp.positiveExampleWeightMult() < 0) {
        ctx.log("positive_example_weight_mult=balanced: positive examples weigh " + w[1]);
      }
    } else {
      double total = 0;
      for (float c : counts) {
        total += c;
      }
      for (int c = 0; c < classes; c++) {
        w[c] = counts[c] == 0 ? 0 : total / (classes * (double) counts[c]);
      }
    }
    return w;
  }

  /**
   * The summed gradients of every model on rows {@code order[from..to)} (empty past the worker's
   * rows), with each model's summed loss and the row count: the layout {@link #update} reads.
   */
  private float[] gradients(TrainingState s, Rows train, int[] order, int from, int to, Loss loss, double[] weights) {
    int d = s.features;
    int k = s.outputs;
    int models = s.models();
    int block = k * (d + 1);
    float[] buffer = new float[models * block + models + 1];
    if (from >= to) {
      return buffer;
    }
    double[][] u = new double[models][];
    double[][] c = new double[models][];
    for (int m = 0; m < models; m++) {
      u[m] = new double[block];
      c[m] = new double[k];
      effective(s, m, u[m], c[m]);
    }
    double[] out = new double[k];
    for (int t = from; t < to; t++) {
      int i = order[t];
      double y = train.label(i);
      double yt = hp.predictorType().equals(LinearLearnerHyperparameters.REGRESSOR)
          ? (y - s.labelShift) / s.labelScale : y;
      double w = weights == null ? 1 : weights[(int) y];
      for (int m = 0; m < models; m++) {
        int base = m * block;
        for (int o = 0; o < k; o++) {
          out[o] = c[m][o] + train.dot(i, u[m], o * (d + 1));
        }
        double value;
        if (k > 1) {
          double[] p = LinearLearnerModel.softmax(out);
          int cls = (int) y;
          value = -Math.log(Math.max(p[cls], 1e-300));
          for (int o = 0; o < k; o++) {
            double g = w * (p[o] - (o == cls ? 1 : 0));
            train.axpy(i, g, buffer, base + o * (d + 1));
            buffer[base + o * (d + 1) + d] += (float) g;
          }
        } else {
          value = loss.value(out[0], yt);
          double g = w * loss.derivative(out[0], yt);
          train.axpy(i, g, buffer, base);
          buffer[base + d] += (float) g;
        }
        buffer[models * block + m] += (float) value;
      }
    }
    buffer[buffer.length - 1] = to - from;
    return buffer;
  }

  /**
   * Model m's weights on raw features in normalised space: {@code u = w * invScale} and per output
   * the constant {@code c = b - sum_j u_j * shift_j}.
   */
  private static void effective(TrainingState s, int m, double[] u, double[] c) {
    int d = s.features;
    for (int o = 0; o < s.outputs; o++) {
      int off = o * (d + 1);
      double constant = s.params[m][off + d];
      for (int j = 0; j < d; j++) {
        u[off + j] = s.params[m][off + j] * s.invScale[j];
        constant -= u[off + j] * s.shift[j];
      }
      c[o] = constant;
    }
  }

  /** One optimizer step of every model from the all-reduced gradient sums of {@code rows} rows. */
  private void update(TrainingState s, float[] buffer, double rows) {
    int d = s.features;
    int block = s.outputs * (d + 1);
    s.step++;
    double b1 = hp.beta1();
    double b2 = hp.beta2();
    double c1 = 1 - Math.pow(b1, s.step);
    double c2 = 1 - Math.pow(b2, s.step);
    for (int m = 0; m < s.models(); m++) {
      LinearLearnerHyperparameters.ModelSetting setting = hp.models().get(m);
      double lr = Math.max(setting.learningRate() * s.lrFactor,
          Math.min(setting.learningRate(), hp.lrSchedulerMinimumLr()));
      double[] w = s.params[m];
      double[] m1 = s.moment1[m];
      double[] m2 = s.moment2[m];
      for (int o = 0; o < s.outputs; o++) {
        int off = o * (d + 1);
        double gsum = buffer[m * block + off + d];
        for (int j = 0; j <= d; j++) {
          boolean bias = j == d;
          if (bias && !hp.useBias()) {
            continue;
          }
          int p = off + j;
          double g;
          if (bias) {
            g = gsum / rows + setting.wd() * hp.biasWdMult() * w[p];
          } else {
            // d/dw_j of the output is (x_j - shift_j) * invScale_j
            g = s.invScale[j] * (buffer[m * block + p] - s.shift[j] * gsum) / rows + setting.wd() * w[p];
          }
          double rate = bias ? lr * hp.biasLrMult() : lr;
          switch (hp.optimizer()) {
            case "sgd" -> {
              m1[p] = hp.momentum() * m1[p] - rate * g;
              w[p] += m1[p];
            }
            case "rmsprop" -> {
              m2[p] = 0.9 * m2[p] + 0.1 * g * g;
              w[p] -= rate * g / (Math.sqrt(m2[p]) + EPSILON);
            }
            default -> {
              m1[p] = b1 * m1[p] + (1 - b1) * g;
              m2[p] = b2 * m2[p] + (1 - b2) * g * g;
              w[p] -= rate * (m1[p] / c1) / (Math.sqrt(m2[p] / c2) + EPSILON);
            }
          }
          if (!bias && setting.l1() > 0) {
            // proximal step of the L1 term: shrink towards 0 by rate * l1
            double shrunk = Math.abs(w[p]) - rate * setting.l1();
            w[p] = shrunk > 0 ? Math.copySign(shrunk, w[p]) : 0;
          }
        }
      }
    }
  }

  /** Every model's mean loss (raw label units) on a whole channel, summed across workers. */
  private double[] channelLosses(WorkerContext ctx, TrainingState s, Rows rows, Loss rawLoss) {
    int models = s.models();
    float[] sums = new float[models + 1];
    double[] u = new double[s.outputs * (s.features + 1)];
    double[] c = new double[s.outputs];
    for (int m = 0; m < models; m++) {
      effective(s, m, u, c);
      double total = 0;
      for (int i = 0; i < rows.n; i++) {
        total += rowLoss(s, rows, i, u, c, rawLoss);
      }
      sums[m] = (float) total;
    }
    sums[models] = rows.n;
    ctx.allReduce(sums, ReduceOp.SUM);
    double[] out = new double[models];
    for (int m = 0; m < models; m++) {
      out[m] = sums[m] / Math.max(1, sums[models]);
    }
    return out;
  }

  private double rowLoss(TrainingState s, Rows rows, int i, double[] u, double[] c, Loss rawLoss) {
    double[] out = outputs(s, rows, i, u, c);
    double y = rows.label(i);
    return switch (hp.predictorType()) {
      case LinearLearnerHyperparameters.MULTICLASS -> -Math.log(Math.max(LinearLearnerModel.softmax(out)[(int) y],
          1e-300));
      case LinearLearnerHyperparameters.REGRESSOR -> rawLoss.value(out[0] * s.labelScale + s.labelShift, y);
      default -> rawLoss.value(out[0], y);
    };
  }

  private static double[] outputs(TrainingState s, Rows rows, int i, double[] u, double[] c) {
    double[] out = new double[s.outputs];
    for (int o = 0; o < s.outputs; o++) {
      out[o] = c[o] + rows.dot(i, u, o * (s.features + 1));
    }
    return out;
  }

  /**
   * A channel's scores (in the model's response units) and labels, from every worker, in rank order.
   *
   * @param scores row-major, {@code width} per row
   */
  record Pooled(double[] scores, double[] labels) {}

  /** Pools model m's scores and the labels of at most {@code cap} rows of each worker. */
  private Pooled pool(WorkerContext ctx, TrainingState s, Rows rows, int m, long cap) {
    int width = s.outputs;
    int mine = (int) Math.min(rows.n, cap);
    float[] counts = new float[ctx.workers()];
    counts[ctx.rank()] = mine;
    ctx.allReduce(counts, ReduceOp.SUM);
    long total = 0;
    long offset = 0;
    for (int r = 0; r < counts.length; r++) {
      if (r < ctx.rank()) {
        offset += (long) counts[r];
      }
      total += (long) counts[r];
    }
    if (total * (width + 1) > Integer.MAX_VALUE - 8) {
      throw KilnException.user("The channel's " + total + " rows are too many to select the model and compute "
          + "its metrics on at once: set num_calibration_samples lower (or use a smaller validation channel)");
    }
    float[] buffer = new float[(int) (total * (width + 1))];
    double[] u = new double[s.outputs * (s.features + 1)];
    double[] c = new double[s.outputs];
    effective(s, m, u, c);
    for (int i = 0; i < mine; i++) {
      // raw outputs are pooled (a probability near 1 would collapse to 1.0f); scores are made after, in double
      double[] out = outputs(s, rows, i, u, c);
      int base = (int) ((offset + i) * (width + 1));
      for (int o = 0; o < width; o++) {
        buffer[base + o] = (float) out[o];
      }
      buffer[base + width] = rows.label(i);
    }
    ctx.allReduce(buffer, ReduceOp.SUM);
    double[] scores = new double[(int) (total * width)];
    double[] labels = new double[(int) total];
    double[] out = new double[width];
    for (int i = 0; i < total; i++) {
      for (int o = 0; o < width; o++) {
        out[o] = buffer[i * (width + 1) + o];
      }
      double[] score = switch (hp.predictorType()) {
        case LinearLearnerHyperparameters.MULTICLASS -> LinearLearnerModel.softmax(out);
        case LinearLearnerHyperparameters.REGRESSOR -> new double[] {out[0] * s.labelScale + s.labelShift};
        default -> new double[] {hp.loss().equals("hinge_loss") ? out[0] : Loss.sigmoid(out[0])};
      };
      System.arraycopy(score, 0, scores, i * width, width);
      labels[i] = buffer[i * (width + 1) + width];
    }
    return new Pooled(scores, labels);
  }
}
