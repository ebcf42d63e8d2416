package io.kiln.algorithms.fm;

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
 * Factorization Machines' training loop on one worker: synchronous data-parallel minibatch Adam on
 * Rendle's model.
 *
 * <p>Each worker reads its share of the train (and test) channel into memory, dense or CSR. Every
 * worker initialises the parameters from the same seed, so all start equal. In each epoch a worker
 * visits its rows in an order drawn from (epoch, rank); at each step it sums the gradients of the
 * loss (logistic for a binary classifier, squared error / 2 for a regressor) over its next
 * {@code mini_batch_size} rows, in O(k * nnz) per row with Rendle's identity, one all-reduce sums
 * them (and the step's loss, correct predictions and rows) across workers, and every worker applies
 * the same Adam update. After each epoch the train metrics of the epoch's steps are reported and the
 * state is offered to the checkpoint service; a stop directive ends training keeping the model so
 * far. At the end the test channel's metrics are computed (all-reduced sums).
 */
final class FmWorker implements WorkerFunction<FmWorker.Result> {
  private static final long serialVersionUID = 1L;
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  /** Extra slots after the gradient: loss sum, correct predictions, rows. */
  private static final int EXTRA = 3;

  private final FmHyperparameters hp;
  private final boolean test;

  FmWorker(FmHyperparameters hp, boolean test) {
    this.hp = hp;
    this.test = test;
  }

  /**
   * What a worker returns.
   *
   * @param model the model's JSON document (rank 0 only, else null)
   * @param epochs epochs trained
   * @param finalMetrics the test channel's metrics, or the last epoch's train metrics without one
   * @param stopped whether a stop directive ended training before {@code epochs}
   */
  record Result(byte[] model, int epochs, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) {
    Checkpointing checkpoints = ctx.checkpointing();
    ReadOptions options = ReadOptions.labelled(false);
    LabeledData train = ctx.read("train", options);
    LabeledData tst = test ? ctx.read("test", options) : null;
    check(ctx, train, tst);
    int d = hp.featureDim();
    int k = hp.numFactors();

    FmState s;
    Optional<Checkpointing.Restored> restored = checkpoints.restore();
    if (restored.isPresent() && FmState.present(restored.get().directory())) {
      s = FmState.read(restored.get().directory());
      if (s.features != d || s.factors != k || !s.predictorType.equals(hp.predictorType())) {
        throw KilnException.internal("The checkpoint's Factorization Machines state (" + s.predictorType + ", "
            + s.features + " features, " + s.factors + " factors) does not fit this job", null);
      }
    } else {
      s = new FmState(hp.predictorType(), d, k);
      initialise(s);
    }

    float[] most = {(float) Math.ceil(train.rows() / (double) hp.miniBatchSize())};
    ctx.allReduce(most, ReduceOp.MAX);
    int steps = Math.max(1, (int) most[0]);
    float[] buffer = new float[s.size() + EXTRA];
    double[] sum = new double[k];

    boolean stopped = false;
    Map<String, Double> last = Map.of();
    while (s.epoch < hp.epochs()) {
      long start = System.nanoTime();
      int[] order = permutation(train.rows(), s.epoch, ctx.rank());
      double loss = 0;
      double correct = 0;
      double rows = 0;
      for (int step = 0; step < steps; step++) {
        java.util.Arrays.fill(buffer, 0);
        int from = Math.min(train.rows(), step * hp.miniBatchSize());
        int to = Math.min(train.rows(), from + hp.miniBatchSize());
        for (int t = from; t < to; t++) {
          gradient(s, train, order[t], buffer, sum);
        }
        buffer[s.size() + 2] = to - from;
        ctx.allReduce(buffer, ReduceOp.SUM);
        double n = buffer[s.size() + 2];
        loss += buffer[s.size()];
        correct += buffer[s.size() + 1];
        rows += n;
        if (n > 0) {
          update(s, buffer, n);
        }
      }
      s.epoch++;
      Map<String, Double> metrics = new LinkedHashMap<>();
      if (hp.classifier()) {
        metrics.put("train:binary_classification_accuracy", correct / Math.max(1, rows));
        metrics.put("train:binary_classification_cross_entropy", loss / Math.max(1, rows));
      } else {
        metrics.put("train:rmse", Math.sqrt(2 * loss / Math.max(1, rows)));
      }
      last = metrics;
      Directive directive = ctx.report(s.epoch - 1, ctx.rank() == 0 ? metrics : Map.of());
      checkpoints.afterRound(s.epoch, System.nanoTime() - start, directive, s.writer());
      if (directive == Directive.STOP) {
        stopped = s.epoch < hp.epochs();
        break;
      }
    }
    checkpoints.saveFinal(s.epoch, s.writer());

    Map<String, Double> finals = new LinkedHashMap<>();
    if (tst != null) {
      finals.putAll(evaluate(ctx, s, tst));
    } else {
      finals.putAll(last);
    }
    byte[] model = ctx.rank() == 0 ? s.model().toJson() : null;
    return new Result(model, s.epoch, finals, stopped);
  }

  /** The parameters' initial values, from a seed every worker shares. */
  private void initialise(FmState s) {
    Random random = new Random(0x5eedF1L);
    for (int p = 0; p < s.size(); p++) {
      FmHyperparameters.Init init = hp.init()[s.term(p)];
      s.params[p] = switch (init.method()) {
        case "uniform" -> (2 * random.nextDouble() - 1) * init.parameter();
        case "constant" -> init.parameter();
        default -> random.nextGaussian() * init.parameter();
      };
    }
  }

  /** The rows of this worker in the order of an epoch: a permutation drawn from (epoch, rank). */
  static int[] permutation(int n, int epoch, int rank) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Random random = new Random(0xf1L * 1_000_003L + epoch * 7919L + rank);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /**
   * Row i's output y, leaving {@code sum[f] = sum_j v_jf x_j} for the factor gradients. Zero
   * features are skipped, so a dense row and its sparse form give the same sums in the same order.
   */
  static double output(FmState s, LabeledData data, int i, double[] sum) {
    int d = s.features;
    int k = s.factors;
    double[] w = s.params;
    java.util.Arrays.fill(sum, 0);
    double y = w[0];
    double squares = 0;
    long from;
    long to;
    if (data.isDense()) {
      from = (long) i * data.columns();
      to = from + data.columns();
    } else {
      from = data.rowOffsets()[i];
      to = data.rowOffsets()[i + 1];
    }
    for (long p = from; p < to; p++) {
      int j = data.isDense() ? (int) (p - from) : data.indices()[(int) p];
      double x = data.isDense() ? data.dense()[(int) p] : data.values()[(int) p];
      if (x == 0) {
        continue;
      }
      y += w[1 + j] * x;
      int base = 1 + d + j * k;
      for (int f = 0; f < k; f++) {
        double vx = w[base + f] * x;
        sum[f] += vx;
        squares += vx * vx;
      }
    }
    double pair = 0;
    for (int f = 0; f < k; f++) {
      pair += sum[f] * sum[f];
    }
    return y + 0.5 * (pair - squares);
  }

  /** The loss of output z for label y: logistic (classifier) or squared error / 2 (regressor). */
  double loss(double z, double y) {
    if (hp.classifier()) {
      // log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0, stable for large |z|
      double m = y == 1 ? -z : z;
      return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
    }
    double r = z - y;
    return 0.5 * r * r;
  }

  /** Adds row i's gradient (and loss, correctness) into the step's buffer. */
  void gradient(FmState s, LabeledData data, int i, float[] buffer, double[] sum) {
    int d = s.features;
    int k = s.factors;
    double[] w = s.params;
    double z = output(s, data, i, sum);
    double y = data.labels()[i];
    double g = hp.classifier() ? FmModel.sigmoid(z) - y : z - y;
    buffer[s.size()] += (float) loss(z, y);
    if (hp.classifier() && (z >= 0 ? 1 : 0) == y) {
      buffer[s.size() + 1] += 1;
    }
    buffer[0] += (float) g;
    long from;
    long to;
    if (data.isDense()) {
      from = (long) i * data.columns();
      to = from + data.columns();
    } else {
      from = data.rowOffsets()[i];
      to = data.rowOffsets()[i + 1];
    }
    for (long p = from; p < to; p++) {
      int j = data.isDense() ? (int) (p - from) : data.indices()[(int) p];
      double x = data.isDense() ? data.dense()[(int) p] : data.values()[(int) p];
      if (x == 0) {
        continue;
      }
      buffer[1 + j] += (float) (g * x);
      int base = 1 + d + j * k;
      for (int f = 0; f < k; f++) {
        // d y / d v_jf = x_j * sum_f - v_jf * x_j^2
        buffer[base + f] += (float) (g * (x * sum[f] - w[base + f] * x * x));
      }
    }
  }

  /** One Adam step of every parameter from the all-reduced gradient sums of {@code rows} rows. */
  private void update(FmState s, float[] buffer, double rows) {
    s.step++;
    double rescale = Double.isNaN(hp.rescaleGrad()) ? 1 / rows : hp.rescaleGrad();
    double clip = hp.clipGradient();
    boolean clipping = !Double.isNaN(clip) && clip >= 0;
    double correction = Math.sqrt(1 - Math.pow(BETA2, s.step)) / (1 - Math.pow(BETA1, s.step));
    double eps = hp.eps();
    for (int p = 0; p < s.size(); p++) {
      int term = s.term(p);
      double g = buffer[p] * rescale;
      if (clipping) {
        g = Math.max(-clip, Math.min(clip, g));
      }
      g += hp.wd()[term] * s.params[p];
      s.moment1[p] = BETA1 * s.moment1[p] + (1 - BETA1) * g;
      s.moment2[p] = BETA2 * s.moment2[p] + (1 - BETA2) * g * g;
      s.params[p] -= hp.lr()[term] * correction * s.moment1[p] / (Math.sqrt(s.moment2[p]) + eps);
    }
  }

  /**
   * The test channel's metrics under SageMaker's names: {@code test:rmse} (regressor);
   * {@code test:binary_classification_accuracy}, {@code test:binary_classification_cross_entropy}
   * and {@code test:binary_f_beta} (beta 1; predicted label 1 when score &gt;= 0.5).
   */
  private Map<String, Double> evaluate(WorkerContext ctx, FmState s, LabeledData data) {
    // loss sum, correct, true positives, false positives, false negatives, rows
    float[] sums = new float[6];
    double[] sum = new double[s.factors];
    for (int i = 0; i < data.rows(); i++) {
      double z = output(s, data, i, sum);
      double y = data.labels()[i];
      sums[0] += (float) loss(z, y);
      int predicted = z >= 0 ? 1 : 0;
      if (predicted == y) {
        sums[1]++;
      }
      if (predicted == 1 && y == 1) {
        sums[2]++;
      } else if (predicted == 1) {
        sums[3]++;
      } else if (y == 1) {
        sums[4]++;
      }
    }
    sums[5] = data.rows();
    ctx.allReduce(sums, ReduceOp.SUM);
    Map<String, Double> out = new LinkedHashMap<>();
    double n = sums[5];
    if (hp.classifier()) {
      double f = 2 * sums[2] + sums[3] + sums[4];
      out.put("test:binary_classification_accuracy", n == 0 ? Double.NaN : sums[1] / n);
      out.put("test:binary_classification_cross_entropy", n == 0 ? Double.NaN : sums[0] / n);
      out.put("test:binary_f_beta", f == 0 ? 0 : 2 * sums[2] / f);
    } else {
      out.put("test:rmse", n == 0 ? Double.NaN : Math.sqrt(2 * sums[0] / n));
    }
    return out;
  }

  /**
   * Checks feature counts, labels and values; every worker agrees on the first problem (lowest rank)
   * and throws it.
   */
  private void check(WorkerContext ctx, LabeledData train, LabeledData tst) {
    int d = hp.featureDim();
    long size = 1L + d + (long) d * hp.numFactors();
    if (size + EXTRA > Integer.MAX_VALUE - 8) {
      throw KilnException.user("feature_dim=" + d + " x num_factors=" + hp.numFactors() + " gives " + size
          + " parameters, more than Kiln's Factorization Machines holds (2^31 - 11): lower num_factors or "
          + "feature_dim");
    }
    String problem = null;
    Map<String, LabeledData> channels = new LinkedHashMap<>();
    channels.put("train", train);
    if (tst != null) {
      channels.put("test", tst);
    }
    for (Map.Entry<String, LabeledData> e : channels.entrySet()) {
      LabeledData r = e.getValue();
      if (problem == null && r.rows() > 0 && (r.columns() > d || (r.isDense() && r.columns() != d))) {
        problem = "Channel '" + e.getKey() + "' has " + r.columns() + " features but feature_dim=" + d
            + ": set feature_dim to the input's feature count (sparse rows' indices must be below feature_dim)";
      }
      for (int i = 0; problem == null && i < r.rows(); i++) {
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
    float[] rows = {train.rows()};
    ctx.allReduce(rows, ReduceOp.SUM);
    if (rows[0] == 0) {
      throw KilnException.user("Channel 'train' has no rows: Factorization Machines needs labelled rows to train on");
    }
  }

  private String badRow(LabeledData r, int i) {
    float y = r.labels()[i];
    if (hp.classifier() && y != 0 && y != 1) {
      return "label " + y + " is not 0 or 1, which predictor_type=binary_classifier needs (as SageMaker's "
          + "Factorization Machines); relabel the classes as 0 and 1, or use predictor_type=regressor";
    }
    if (!Float.isFinite(y)) {
      return "label " + y + " is not a finite number, which predictor_type=regressor needs";
    }
    if (r.isDense()) {
      int c = r.columns();
      for (int j = 0; j < c; j++) {
        float x = r.dense()[i * c + j];
        if (!Float.isFinite(x)) {
          return "feature " + (j + 1) + " is " + (Float.isNaN(x) ? "missing" : "infinite") + "; Factorization "
              + "Machines takes no missing or infinite values: impute or drop the value";
        }
      }
    } else {
      for (long p = r.rowOffsets()[i]; p < r.rowOffsets()[i + 1]; p++) {
        if (!Float.isFinite(r.values()[(int) p])) {
          return "feature index " + r.indices()[(int) p] + " is not a finite number; Factorization Machines takes "
              + "no missing or infinite values: impute or drop the value";
        }
      }
    }
    return null;
  }
}
