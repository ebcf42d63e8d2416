package io.kiln.algorithms.knn;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * k-NN training on every worker (one barrier stage).
 *
 * <ol>
 *   <li>Sampling: each worker reads its share of {@code train} and keeps a uniform sample of its quota
 *       of sample_size rows (all its rows, in order, when it has no more than its quota). One round is
 *       one mini-batch ({@code mini_batch_size} rows) of the share; every worker runs as many rounds as
 *       the worker with the most rows. The sampler is a reservoir whose every decision is a function of
 *       (rank, row), so a resumed job replays the rounds before its checkpoint and keeps the same sample.
 *   <li>Test metric ({@code test} channel): the test rows are shared with every worker (an all-reduce);
 *       each worker finds each test row's k nearest in its own part of the sample; the workers' k-lists
 *       are merged by an all-reduce of (distance, index row, label) slots, then each test row is voted
 *       on (classifier) or averaged (regressor): {@code test:accuracy} / {@code test:mse}.
 *   <li>Index: the parts are gathered in rank order (an all-reduce) and rank 0 writes {@link KnnModel}'s
 *       files into its model directory; the same files are the final checkpoint.
 * </ol>
 */
final class KnnWorker implements WorkerFunction<KnnWorker.Result> {
  private static final long serialVersionUID = 1L;
  private static final long SEED = 0x6b2d4e4e5f6b696cL;
  private static final String PROGRESS = "knn-progress.txt";
  /** The seed of the dimension reduction's random matrix (SageMaker's model JSON shows one too). */
  static final long REDUCTION_SEED = 3;

  private final KnnHyperparameters hp;
  private final boolean test;

  /**
   * What rank 0 returns.
   *
   * @param rounds sampling rounds completed
   * @param metrics the final {@code test:} metric, if any
   * @param stopped true when a stop request ended sampling early
   */
  record Result(int rounds, Map<String, Double> metrics, boolean stopped) implements Serializable {}

  KnnWorker(KnnHyperparameters hp, boolean test) {
    this.hp = hp;
    this.test = test;
  }

  /** A worker's rows as dense float32 (CSR rows expanded), with labels. */
  private record Dense(int n, float[] x, float[] y) {}

  private Dense dense(WorkerContext ctx, String channel, LabeledData data) {
    int d = hp.featureDim();
    String problem = null;
    if (data.isDense() && data.rows() > 0 && data.columns() != d) {
      problem = "Channel '" + channel + "' has " + data.columns() + " features but feature_dim=" + d
          + ": set feature_dim to the number of feature columns (the label is the first column)";
    } else if (!data.isDense() && data.columns() > d) {
      problem = "Channel '" + channel + "' has feature index " + (data.columns() - 1) + " but feature_dim=" + d
          + ": set feature_dim to the number of features";
    }
    float[] x = new float[problem == null ? data.rows() * d : 0];
    for (int i = 0; problem == null && i < data.rows(); i++) {
      if (data.isDense()) {
        System.arraycopy(data.dense(), i * d, x, i * d, d);
      } else {
        for (long p = data.rowOffsets()[i]; p < data.rowOffsets()[i + 1]; p++) {
          x[i * d + data.indices()[(int) p]] = data.values()[(int) p];
        }
      }
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(x[i * d + j])) {
          problem = ctx.rowError(channel, i, "feature " + (j + 1) + " is " + x[i * d + j]
              + ": k-NN needs a finite number in every feature (fill or drop missing values)").getMessage();
          break;
        }
      }
      if (problem == null && !Float.isFinite(data.labels()[i])) {
        problem = ctx.rowError(channel, i, "the label is " + data.labels()[i] + ": k-NN needs a finite label "
            + "in the first column").getMessage();
      }
    }
    agree(ctx, problem);
    return new Dense(data.rows(), x, data.labels());
  }

  /** Every worker throws the first worker's problem, if any worker has one. */
  private static void agree(WorkerContext ctx, String problem) {
    float[] flag = {problem == null ? 0 : 1};
    ctx.allReduce(flag, ReduceOp.MAX);
    if (flag[0] > 0) {
      for (String p : ctx.allGather(problem == null ? "" : problem)) {
        if (!p.isEmpty()) {
          throw KilnException.user(p);
        }
      }
    }
  }

  /** Each worker's value, by rank, on every worker. */
  private static long[] perRank(WorkerContext ctx, long value) {
    float[] v = new float[ctx.workers() * 2];
    v[ctx.rank() * 2] = (float) (value >> 20);
    v[ctx.rank() * 2 + 1] = (float) (value & ((1 << 20) - 1));
    ctx.allReduce(v, ReduceOp.SUM);
    long[] out = new long[ctx.workers()];
    for (int r = 0; r < out.length; r++) {
      out[r] = ((long) v[r * 2] << 20) + (long) v[r * 2 + 1];
    }
    return out;
  }

  /** A uniform sample of a worker's share, kept by reservoir. */
  private static final class Sample {
    final int d;
    final long quota;
    float[] x = new float[0];
    float[] y = new float[0];
    int n;

    Sample(int d, long quota) {
      this.d = d;
      this.quota = quota;
    }

    /** Offers share row {@code i} (0-based, in order). */
    void offer(Dense data, int i, int rank) {
      int slot;
      if (i < quota) {
        if (n == y.length) {
          int cap = (int) Math.min(quota, Math.max(16, y.length * 2L));
          x = Arrays.copyOf(x, cap * d);
          y = Arrays.copyOf(y, cap);
        }
        slot = n++;
      } else {
        long j = new SplittableRandom(SEED ^ (rank * 0x9E3779B97F4A7C15L) ^ (i * 0xC2B2AE3D27D4EB4FL)).nextLong(i + 1L);
        if (j >= quota) {
          return;
        }
        slot = (int) j;
      }
      System.arraycopy(data.x, i * d, x, slot * d, d);
      y[slot] = data.y[i];
    }
  }

  @Override
  public Result run(WorkerContext ctx) throws IOException {
    int d = hp.featureDim();
    Checkpointing checkpoints = ctx.checkpointing();
    ReadOptions labelled = ReadOptions.labelled(false);
    Dense train = dense(ctx, "train", ctx.read("train", labelled));
    Dense tst = test ? dense(ctx, "test", ctx.read("test", labelled)) : null;
    long[] trainRows = perRank(ctx, train.n);
    if (Arrays.stream(trainRows).sum() < hp.k()) {
      throw KilnException.user("Channel 'train' has " + Arrays.stream(trainRows).sum() + " rows, fewer than k="
          + hp.k() + ": k-NN needs at least k training rows; lower k or add data");
    }

    // sampling, a mini-batch of the share per round
    Sample sample = new Sample(d, hp.quota(ctx.rank(), ctx.workers()));
    long most = Arrays.stream(trainRows).max().orElse(0);
    int rounds = (int) Math.max(1, (most + hp.miniBatchSize() - 1) / hp.miniBatchSize());
    int done = 0;
    Optional<Checkpointing.Restored> restored = checkpoints.restore();
    if (restored.isPresent() && Files.isRegularFile(restored.get().directory().resolve(PROGRESS))) {
      done = Integer.parseInt(Files.readString(restored.get().directory().resolve(PROGRESS)).trim());
      if (ctx.rank() == 0) {
        ctx.log("k-NN: resuming after sampling round " + done + " of " + rounds + " (the rounds before are replayed: "
            + "the sampler's choices depend only on the rows)");
      }
    }
    boolean stopped = false;
    int round = 0;
    for (; round < rounds; round++) {
      long start = System.nanoTime();
      int from = (int) Math.min(train.n, (long) round * hp.miniBatchSize());
      int to = (int) Math.min(train.n, (long) (round + 1) * hp.miniBatchSize());
      for (int i = from; i < to; i++) {
        sample.offer(train, i, ctx.rank());
      }
      if (round < done) {
        continue; // replayed
      }
      Directive directive = ctx.report(round, Map.of());
      final int completed = round + 1;
      checkpoints.afterRound(completed, System.nanoTime() - start, directive,
          dir -> Files.writeString(dir.resolve(PROGRESS), Integer.toString(completed)));
      if (directive == Directive.STOP) {
        stopped = completed < rounds;
        round++;
        break;
      }
    }

    // where each worker's part starts in the index
    long[] counts = perRank(ctx, sample.n);
    long total = Arrays.stream(counts).sum();
    if (total < hp.k()) {
      throw KilnException.user("The sample has " + total + " rows, fewer than k=" + hp.k()
          + " (training was stopped before k rows were sampled): lower k or let sampling finish");
    }
    long base = 0;
    for (int r = 0; r < ctx.rank(); r++) {
      base += counts[r];
    }

    // dimension reduction of the sample (the test rows are projected as they are searched)
    Projection projection = hp.dimensionReductionType() == null ? null
        : new Projection(hp.dimensionReductionType(), REDUCTION_SEED, d, hp.dimensionReductionTarget());
    int dd = projection == null ? d : projection.outputs();
    float[] sx = projection == null ? sample.x : projection.applyRows(sample.x, sample.n);

    Map<String, Double> metrics = new LinkedHashMap<>();
    String metricName = hp.classifier() ? "test:accuracy" : "test:mse";
    boolean exact = hp.indexType().equals(KnnHyperparameters.FLAT);
    float[] q = tst != null ? gatherTest(ctx, tst) : null;
    if (q != null && exact) {
      metrics.put(metricName, testMetric(ctx, q, sx, dd, sample, projection, base));
    }

    // the index, gathered in rank order; rank 0 writes it
    float[] all = new float[(int) total * (dd + 1)];
    for (int i = 0; i < sample.n; i++) {
      System.arraycopy(sx, i * dd, all, (int) (base + i) * (dd + 1), dd);
      all[(int) (base + i) * (dd + 1) + dd] = sample.y[i];
    }
    ctx.allReduce(all, ReduceOp.SUM);
    float[] rows = new float[(int) total * dd];
    float[] labels = new float[(int) total];
    for (int i = 0; i < total; i++) {
      System.arraycopy(all, i * (dd + 1), rows, i * dd, dd);
      labels[i] = all[i * (dd + 1) + dd];
    }
    // rank 0 builds the index (the approximate graph, where asked, there only)
    KnnModel model = ctx.rank() != 0 ? null
        : new KnnModel(hp.k(), hp.predictorType(), hp.indexType(), hp.indexMetric(), d, dd, rows, labels);
    if (model != null && projection != null) {
      model.reduction(hp.dimensionReductionType(), REDUCTION_SEED);
    }
    if (q != null && !exact && model != null) {
      metrics.put(metricName, approximateMetric(model, q, d));
    }
    final int completed = round;
    checkpoints.saveFinal(completed, dir -> {
      Files.writeString(dir.resolve(PROGRESS), Integer.toString(completed));
      if (model != null) {
        model.write(dir);
      }
    });
    if (model != null) {
      model.write(ctx.modelDirectory());
      ctx.log("k-NN: index of " + total + " sampled rows (" + Arrays.toString(counts) + " by worker), "
          + hp.indexType() + ", " + hp.indexMetric());
    }
    return new Result(completed, ctx.rank() == 0 ? metrics : Map.of(), stopped);
  }

  /** Every worker's test rows, on every worker: rows of {@code feature_dim + 1} (the label last). */
  private float[] gatherTest(WorkerContext ctx, Dense tst) {
    int d = hp.featureDim();
    long[] testRows = perRank(ctx, tst.n);
    int m = (int) Arrays.stream(testRows).sum();
    if (m == 0) {
      throw KilnException.user("Channel 'test' has no rows: give it labelled rows or leave the channel out");
    }
    long off = 0;
    for (int r = 0; r < ctx.rank(); r++) {
      off += testRows[r];
    }
    float[] q = new float[m * (d + 1)];
    for (int i = 0; i < tst.n; i++) {
      System.arraycopy(tst.x, i * d, q, (int) (off + i) * (d + 1), d);
      q[(int) (off + i) * (d + 1) + d] = tst.y[i];
    }
    ctx.allReduce(q, ReduceOp.SUM);
    return q;
  }

  /** The test metric through the approximate index (rank 0, which holds it). */
  private double approximateMetric(KnnModel model, float[] q, int d) {
    int m = q.length / (d + 1);
    float[][] rows = new float[m][d];
    for (int t = 0; t < m; t++) {
      System.arraycopy(q, t * (d + 1), rows[t], 0, d);
    }
    List<Map<String, Object>> p = model.predict(rows);
    double right = 0;
    double squares = 0;
    for (int t = 0; t < m; t++) {
      double y = q[t * (d + 1) + d];
      double v = (Double) p.get(t).get("predicted_label");
      right += v == y ? 1 : 0;
      squares += (v - y) * (v - y);
    }
    return hp.classifier() ? right / m : squares / m;
  }

  /**
   * The test metric by distributed exact search: every worker has all test rows ({@code q}), finds each
   * one's k nearest in its part of the sample, and the parts' lists are merged in one all-reduce.
   */
  private double testMetric(WorkerContext ctx, float[] q, float[] sx, int dd, Sample sample, Projection projection,
      long base) {
    int d = hp.featureDim();
    int k = hp.k();
    int m = q.length / (d + 1);

    // slots: worker, test row, neighbour -> key (hi, lo), index row (hi, lo), label, present
    int w = ctx.workers();
    final int f = 6;
    float[] slots = new float[w * m * k * f];
    float[] query = new float[d];
    for (int t = 0; t < m; t++) {
      System.arraycopy(q, t * (d + 1), query, 0, d);
      float[] projected = projection == null ? query : projection.apply(query);
      KnnModel.TopK top = new KnnModel.TopK(k);
      KnnModel.scan(sx, sample.y, sample.n, dd, projected, hp.indexMetric(), base, top);
      for (int i = 0; i < top.size; i++) {
        int s = ((ctx.rank() * m + t) * k + i) * f;
        float hi = (float) top.key[i];
        slots[s] = hi;
        slots[s + 1] = (float) (top.key[i] - hi);
        slots[s + 2] = (float) (top.index[i] >> 20);
        slots[s + 3] = (float) (top.index[i] & ((1 << 20) - 1));
        slots[s + 4] = top.label[i];
        slots[s + 5] = 1;
      }
    }
    ctx.allReduce(slots, ReduceOp.SUM);
    double right = 0;
    double squares = 0;
    for (int t = 0; t < m; t++) {
      KnnModel.TopK merged = new KnnModel.TopK(k);
      for (int r = 0; r < w; r++) {
        for (int i = 0; i < k; i++) {
          int s = ((r * m + t) * k + i) * f;
          if (slots[s + 5] > 0) {
            merged.offer((double) slots[s] + slots[s + 1], ((long) slots[s + 2] << 20) + (long) slots[s + 3],
                slots[s + 4]);
          }
        }
      }
      double p = KnnModel.predict(Arrays.copyOf(merged.label, merged.size), hp.classifier());
      double y = q[t * (d + 1) + d];
      if (hp.classifier()) {
        right += p == y ? 1 : 0;
      } else {
        squares += (p - y) * (p - y);
      }
    }
    return hp.classifier() ? right / m : squares / m;
  }

  static boolean hasProgress(Path dir) {
    return Files.isRegularFile(dir.resolve(KnnModel.META));
  }

  static List<String> files() {
    return List.of(KnnModel.META, KnnModel.INDEX, KnnModel.LABELS, KnnModel.GRAPH);
  }
}
