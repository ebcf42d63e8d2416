package io.kiln.algorithms.kmeans;

import io.kiln.algorithms.pca.DoubleSums;
import io.kiln.algorithms.pca.UnlabelledRows;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * K-Means' worker loop (one Spark barrier stage), SageMaker's scheme with Kiln's finalisation:
 * <ol>
 *   <li>K = k x extra_center_factor initial centers from the whole train channel ({@code init_method});
 *   <li>{@code epochs} passes of mini-batch rounds: round r takes every worker's next
 *       {@code mini_batch_size} rows and moves the K centers ({@link KMeansCore#step}), one exact
 *       all-reduce per round; each round reports {@code train:msd} (the batch's mean squared distance
 *       before the step) and may checkpoint the K centers and counts (as the runtime's schedule says,
 *       and at every epoch's end, so a lost executor costs at most one epoch);
 *   <li>the local Lloyd reduction of the K weighted centers to k, {@code local_lloyd_num_trials} times;
 *   <li>Kiln's addition (docs/built-ins.md, chosen by measurement): each trial's k centers refined by
 *       Lloyd iterations over the whole train channel (local_lloyd_max_iter, local_lloyd_tol), keeping
 *       the one with the lowest sum of squared distances.
 * </ol>
 *
 * @param params the hyperparameters
 * @param train how the train channel is read
 * @param test how the test channel is read, or null
 */
public record KMeansWorker(KMeansHyperparameters params, UnlabelledRows.Layout train, UnlabelledRows.Layout test)
    implements WorkerFunction<KMeansWorker.Result> {

  /**
   * What a worker returns.
   *
   * @param rounds rounds completed
   * @param metrics final metrics
   * @param stopped whether a stop ended the epochs early
   */
  public record Result(int rounds, HashMap<String, Double> metrics, boolean stopped) implements Serializable {}

  /** The runtime's collectives as {@link KMeansCore.Reducer}: exact double sums. */
  static KMeansCore.Reducer reducer(WorkerContext ctx) {
    return new KMeansCore.Reducer() {
      @Override
      public void sum(double[] values) {
        DoubleSums.sum(ctx, values);
      }

      @Override
      public int rank() {
        return ctx.rank();
      }

      @Override
      public int workers() {
        return ctx.workers();
      }
    };
  }

  @Override
  public Result run(WorkerContext ctx) {
    int d = params.featureDim();
    UnlabelledRows rows = UnlabelledRows.read(ctx, train, d);
    UnlabelledRows testRows = test == null ? null : UnlabelledRows.read(ctx, test, d);
    KMeansCore.Reducer reducer = reducer(ctx);
    double[] x = rows.values();
    int n = rows.rows();
    double[] total = {n};
    reducer.sum(total);
    if (total[0] < params.k()) {
      throw KilnException.user("Channel 'train' has " + Math.round(total[0]) + " rows, fewer than k=" + params.k()
          + " clusters; lower k or give more rows");
    }
    float[] batches = {(n + params.miniBatchSize() - 1) / params.miniBatchSize()};
    ctx.allReduce(batches, ReduceOp.MAX);
    int perEpoch = (int) batches[0];
    int rounds = perEpoch * params.epochs();

    Checkpointing checkpoints = ctx.checkpointing();
    KMeansState state = checkpoints.restore().map(r -> {
      try {
        return KMeansState.read(r.directory());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).orElse(null);
    if (state == null) {
      int big = (int) Math.min(params.centers(), (long) total[0]);
      double[] centers = params.initKMeansPlusPlus()
          ? KMeansCore.initPlusPlus(reducer, x, null, n, d, big, new java.util.Random(KMeansCore.SEED))
          : KMeansCore.initRandom(reducer, x, n, d, big);
      state = new KMeansState(params, 0, centers, new double[centers.length / d]);
    }
    double[] centers = state.centers();
    double[] counts = state.counts();
    int round = state.round();
    boolean stopped = false;
    while (round < rounds) {
      long start = System.nanoTime();
      int batch = round % perEpoch;
      int from = (int) Math.min((long) batch * params.miniBatchSize(), n);
      int to = (int) Math.min((long) from + params.miniBatchSize(), n);
      double[] step = KMeansCore.step(reducer, x, from, to, d, centers, counts, params.halfLifeTimeSize());
      Map<String, Double> metrics = step[0] > 0 ? Map.of("train:msd", step[1] / step[0]) : Map.of();
      Directive directive = ctx.report(round, metrics);
      round++;
      KMeansState now = new KMeansState(params, round, centers.clone(), counts.clone());
      checkpoints.afterRound(round, System.nanoTime() - start, directive, now::write);
      if (round % perEpoch == 0 && round < rounds && directive != Directive.STOP) {
        checkpoints.saveNow(round, now::write); // an epoch's end: a lost executor costs at most one epoch
      }
      if (directive == Directive.STOP) {
        stopped = round < rounds;
        break;
      }
    }
    KMeansState last = new KMeansState(params, round, centers, counts);
    checkpoints.saveFinal(round, last::write);

    List<double[]> candidates = KMeansCore.reduceTrials(centers, counts, d, params.k(), params.trials(),
        params.localLloydKMeansPlusPlus(), params.localLloydMaxIter(), params.localLloydTol());
    double[] best = null;
    double bestCost = Double.POSITIVE_INFINITY;
    for (double[] candidate : candidates) {
      KMeansCore.refine(reducer, x, n, d, candidate, params.k(), params.localLloydMaxIter(), params.localLloydTol());
      double measured = KMeansCore.cost(reducer, x, n, d, candidate, params.k())[0];
      if (measured < bestCost || best == null) {
        bestCost = measured;
        best = candidate;
      }
    }
    KMeansModel model = KMeansModel.of(best, params.k(), d);
    HashMap<String, Double> metrics = new HashMap<>();
    metrics.put("train:msd", bestCost / total[0]);
    if (testRows != null) {
      double[] s = KMeansCore.cost(reducer, testRows.values(), testRows.rows(), d, best, params.k());
      if (params.msd()) {
        metrics.put("test:msd", s[1] > 0 ? s[0] / s[1] : 0);
      }
      if (params.ssd()) {
        metrics.put("test:ssd", s[0]);
      }
    }
    if (ctx.rank() == 0) {
      try {
        model.write(ctx.modelDirectory());
      } catch (IOException e) {
        throw KilnException.internal("writing the K-Means model failed: " + e.getMessage(), e);
      }
      ctx.log("K-Means: " + Math.round(total[0]) + " rows, " + round + " of " + rounds + " mini-batch rounds, "
          + counts.length + " centers reduced to k=" + params.k() + " (best of " + candidates.size()
          + " trials after full-data Lloyd): train msd " + String.format(java.util.Locale.ROOT, "%.6g",
          bestCost / total[0]));
    }
    return new Result(round, metrics, stopped);
  }
}
