package io.kiln.algorithms.vision.training;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.WorkerContext;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The epoch loop the DL4J built-ins share (Image Classification, Object Detection), run on every
 * worker in the same order: train an epoch (the built-in's {@link Epoch}), count it, validate,
 * report the epoch's metrics (rank 0's), checkpoint (network, updater state, counters, the best
 * network so far: {@link TrainingState}) so that an executor lost loses at most the epoch it was
 * in, stop early as SageMaker's {@code early_stopping*} say, and finally put the best validation
 * epoch's parameters into the network (SageMaker's model is that epoch's; without a validation
 * channel the last epoch's).
 *
 * <p>Log lines as SageMaker's MXNet containers write them: {@code Epoch[n] Validation-<metric>=v}
 * and {@code Epoch[n] Time cost=s} (epochs counted from 0); the built-in logs its training lines.
 */
public final class EpochLoop {
  private final WorkerContext ctx;
  private final ComputationGraph graph;
  private final DataParallelStep sgd;
  private final int epochs;
  private final String validationMetric;
  private final EarlyStopping stopping;

  /**
   * SageMaker's early stopping: after at least {@code minEpochs} epochs, stop when the validation
   * metric has not improved by more than {@code tolerance} (relative to the last improvement) for
   * {@code patience} epochs.
   */
  public record EarlyStopping(boolean enabled, int minEpochs, int patience, double tolerance) {}

  /** What a built-in does in one epoch, on this worker. */
  public interface Epoch {
    /**
     * Trains one epoch on this worker's share (a {@link DataParallelStep} at a time).
     *
     * @param epoch the epoch, from 0
     * @return the training metrics to report, in order (e.g. {@code train:accuracy}); may be empty
     */
    Map<String, Double> train(int epoch);

    /** The validation metric (larger is better) over every worker's validation share. */
    double validate(int epoch);

    /** After {@code epochsDone} epochs were counted and validated, before they are reported. */
    default void completed(int epochsDone) {
    }
  }

  /**
   * How training ended.
   *
   * @param epochs epochs trained
   * @param modelEpoch the epoch (counted from 1) whose parameters the network now holds
   * @param finalMetrics that epoch's metrics (empty when no epoch ran)
   * @param stopped whether a stop request ended training before the planned epochs
   */
  public record Outcome(int epochs, int modelEpoch, Map<String, Double> finalMetrics, boolean stopped)
      implements Serializable {}

  /**
   * @param graph the network being trained (identical on every worker)
   * @param sgd its data-parallel stepper (for the step count kept in checkpoints)
   * @param epochs the planned epochs ({@code epochs} hyperparameter)
   * @param validationMetric the validation metric's name (e.g. {@code validation:accuracy}), or null
   *     without a validation channel
   * @param stopping the early-stopping rule (used only with a validation metric)
   */
  public EpochLoop(WorkerContext ctx, ComputationGraph graph, DataParallelStep sgd, int epochs, String validationMetric,
      EarlyStopping stopping) {
    this.ctx = ctx;
    this.graph = graph;
    this.sgd = sgd;
    this.epochs = epochs;
    this.validationMetric = validationMetric;
    this.stopping = stopping;
  }

  /**
   * Trains from {@code state} (new, or restored from a checkpoint) to the planned epochs, a stop
   * request or early stopping, and saves the final checkpoint.
   */
  public Outcome run(TrainingState state, Epoch epoch) {
    Checkpointing checkpoints = ctx.checkpointing();
    boolean stopped = false;
    String label = validationMetric == null ? null
        : "Validation-" + validationMetric.substring(validationMetric.indexOf(':') + 1);
    while (state.epoch < epochs) {
      long start = System.nanoTime();
      int e = state.epoch;
      Map<String, Double> metrics = new LinkedHashMap<>(epoch.train(e));
      state.iteration = sgd.iteration();
      state.epoch++;
      if (validationMetric != null) {
        double value = epoch.validate(e);
        metrics.put(validationMetric, value);
        ctx.log(String.format(Locale.ROOT, "Epoch[%d] %s=%.6f", e, label, value));
        state.observe(value, graph, stopping.tolerance());
      }
      ctx.log(String.format(Locale.ROOT, "Epoch[%d] Time cost=%.3f", e, (System.nanoTime() - start) / 1e9));
      state.lastMetrics = metrics;
      if (state.bestEpoch == state.epoch) {
        state.bestMetrics = metrics;
      }
      epoch.completed(state.epoch);
      Directive directive = ctx.report(e, ctx.rank() == 0 ? metrics : Map.of());
      TrainingState saved = state;
      Checkpointing.StateWriter writer = dir -> saved.write(dir, graph);
      checkpoints.afterRound(state.epoch, System.nanoTime() - start, directive, writer);
      if (directive == Directive.STOP) {
        stopped = state.epoch < epochs;
        break;
      }
      // every epoch: an executor lost loses at most the epoch it was in
      checkpoints.saveNow(state.epoch, writer);
      if (stopping.enabled() && validationMetric != null && state.epoch >= stopping.minEpochs()
          && state.sinceImprovement >= stopping.patience()) {
        ctx.log("Early stopping after epoch " + e + ": " + validationMetric + " has not improved by more than "
            + "early_stopping_tolerance=" + stopping.tolerance() + " (relative) for " + state.sinceImprovement
            + " epochs; the best was " + state.bestValue + " after epoch " + (state.bestEpoch - 1));
        break;
      }
    }
    TrainingState last = state;
    checkpoints.saveFinal(state.epoch, dir -> last.write(dir, graph));
    int modelEpoch = state.epoch;
    Map<String, Double> finals = state.lastMetrics;
    if (state.bestParams != null && state.bestEpoch != state.epoch) {
      graph.setParams(state.bestParams);
      modelEpoch = state.bestEpoch;
      finals = state.bestMetrics != null ? state.bestMetrics : finals;
      ctx.log("The model is the network after epoch " + (state.bestEpoch - 1) + ", whose " + validationMetric + " ("
          + state.bestValue + ") was the best");
    }
    return new Outcome(state.epoch, modelEpoch, finals == null ? Map.of() : finals, stopped);
  }

  /**
   * The rows of a worker's share in the order of an epoch: a permutation of {@code 0..n-1} drawn
   * from (seed, epoch, rank), so a resumed epoch visits the rows in the same order.
   */
  public static int[] permutation(int n, long seed, int epoch, int rank) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    java.util.Random random = new java.util.Random(seed + epoch * 7919L + rank * 104_729L);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}
