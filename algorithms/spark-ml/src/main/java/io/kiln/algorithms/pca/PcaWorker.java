package io.kiln.algorithms.pca;

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
import java.util.Map;

/**
 * PCA's worker loop (one Spark barrier stage). Each worker reads its rows once; the workers sum the
 * rows and their count to the exact mean ({@link DoubleSums}); then round r adds every worker's r-th
 * mini-batch ({@code mini_batch_size} rows) to the shared sums, one exact all-reduce per round, so
 * after every round every worker holds the same {@link PcaState}: rank 0 checkpoints it, and a stop
 * keeps the model of the rows summed so far. Rounds = the most mini-batches any worker has (twice that
 * in randomized mode, which makes two passes: {@link PcaState}).
 *
 * @param params the hyperparameters
 * @param train how the train channel is read
 * @param test how the test channel is read, or null without one
 */
public record PcaWorker(PcaHyperparameters params, UnlabelledRows.Layout train, UnlabelledRows.Layout test)
    implements WorkerFunction<PcaWorker.Result> {

  /**
   * What a worker returns.
   *
   * @param rounds the rounds in the model
   * @param metrics the final metrics, SageMaker-style names
   * @param stopped whether a stop ended training before every row was summed
   */
  public record Result(int rounds, HashMap<String, Double> metrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) {
    int d = params.featureDim();
    UnlabelledRows rows = UnlabelledRows.read(ctx, train, d);
    UnlabelledRows testRows = test == null ? null : UnlabelledRows.read(ctx, test, d);
    double[] sums = new double[d + 1];
    for (int r = 0; r < rows.rows(); r++) {
      for (int i = 0; i < d; i++) {
        sums[i] += rows.values()[r * d + i];
      }
    }
    sums[d] = rows.rows();
    DoubleSums.sum(ctx, sums);
    long n = Math.round(sums[d]);
    if (n < params.numComponents()) {
      // scikit-learn's rule too: n_components must be at most min(n_samples, n_features)
      throw KilnException.user("Channel 'train' has " + n + " rows, fewer than num_components="
          + params.numComponents() + ": PCA finds at most as many components as there are rows; lower num_components");
    }
    double[] mean = new double[d];
    if (params.subtractMean()) {
      for (int i = 0; i < d; i++) {
        mean[i] = sums[i] / n;
      }
    }
    float[] batches = {(rows.rows() + params.miniBatchSize() - 1) / params.miniBatchSize()};
    ctx.allReduce(batches, ReduceOp.MAX);
    int passes = params.randomized() ? 2 : 1;
    int perPass = (int) batches[0];
    int total = passes * perPass;

    Checkpointing checkpoints = ctx.checkpointing();
    PcaState state = checkpoints.restore().map(r -> {
      try {
        return PcaState.read(r.directory());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).orElse(PcaState.start(params, mean));
    double[] omega = params.randomized() ? PcaState.omega(params) : null;
    boolean stopped = false;
    while (state.rounds() < total) {
      long start = System.nanoTime();
      int round = state.rounds();
      if (params.randomized() && round == perPass && state.basis() == null) {
        state = state.secondPass(); // the sketch's basis, the same bits on every worker
      }
      double[] delta = new double[PcaState.sumsLength(params)];
      int batch = round % perPass;
      int from = (int) Math.min((long) batch * params.miniBatchSize(), rows.rows());
      int to = (int) Math.min((long) from + params.miniBatchSize(), rows.rows());
      PcaState.accumulate(params, state.mean(), state.basis() != null ? state.basis() : omega, rows, from, to, delta);
      DoubleSums.sum(ctx, delta);
      state = state.plus(delta);
      Directive directive = ctx.report(round, Map.of());
      PcaState now = state;
      checkpoints.afterRound(now.rounds(), System.nanoTime() - start, directive, now::write);
      if (params.randomized() && now.rounds() == perPass && directive != Directive.STOP) {
        checkpoints.saveNow(now.rounds(), now::write); // the first pass's end: its sketch is never lost
      }
      if (directive == Directive.STOP) {
        stopped = now.rounds() < total;
        break;
      }
    }
    PcaState last = state;
    checkpoints.saveFinal(last.rounds(), last::write);
    PcaModel model = PcaFit.model(last);
    HashMap<String, Double> metrics = new HashMap<>();
    metrics.put("train:explained_variance_ratio", PcaFit.explainedVarianceRatio(last, model));
    if (testRows != null) {
      double[] kept = new double[2];
      for (int r = 0; r < testRows.rows(); r++) {
        float[] x = new float[d];
        double norm = 0;
        for (int i = 0; i < d; i++) {
          x[i] = (float) testRows.values()[r * d + i];
          double c = testRows.values()[r * d + i] - model.mean()[i];
          norm += c * c;
        }
        for (float p : (float[]) model.predict(new float[][] {x}).get(0).get("projection")) {
          kept[0] += (double) p * p;
        }
        kept[1] += norm;
      }
      DoubleSums.sum(ctx, kept);
      metrics.put("test:explained_variance_ratio", kept[1] > 0 ? kept[0] / kept[1] : 0);
    }
    if (ctx.rank() == 0) {
      try {
        model.write(ctx.modelDirectory());
      } catch (IOException e) {
        throw KilnException.internal("writing the PCA model failed: " + e.getMessage(), e);
      }
    }
    if (ctx.rank() == 0) {
      ctx.log("PCA: " + model.rows() + " rows, " + last.rounds() + " of " + total + " mini-batch rounds, "
        + params.numComponents() + " components keep " + String.format(java.util.Locale.ROOT, "%.6f",
        metrics.get("train:explained_variance_ratio")) + " of the variance");
    }
    return new Result(last.rounds(), metrics, stopped);
  }
}
