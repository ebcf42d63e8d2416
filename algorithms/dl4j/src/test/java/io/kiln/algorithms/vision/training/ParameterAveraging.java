package io.kiln.algorithms.vision.training;

import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameter averaging, the candidate Kiln measured {@link SynchronousSgd} against (docs/benchmarks.md,
 * "Data parallelism"): each worker takes updater steps on its own minibatches alone, and every
 * {@code period} steps one all-reduce averages the parameters (BatchNorm statistics included) and
 * the updater state over the workers, as DL4J's {@code ParameterAveragingTrainingMaster} does with
 * {@code averagingFrequency} and {@code averageUpdaters} (there over Spark jobs; here over the
 * runtime's all-reduce in the same barrier stage). The statistics extras are summed every step in
 * a small all-reduce. Bench code, not a product setting.
 */
public final class ParameterAveraging implements DataParallelStep {
  private final ComputationGraph graph;
  private final WorkerContext ctx;
  private final int extras;
  private final int period;
  private int iteration;

  /** A factory averaging every {@code period} steps. */
  public static DataParallelStep.Factory every(int period) {
    return (graph, ctx, extras, iteration) -> new ParameterAveraging(graph, ctx, extras, iteration, period);
  }

  ParameterAveraging(ComputationGraph graph, WorkerContext ctx, int extras, int iteration, int period) {
    this.graph = graph;
    this.ctx = ctx;
    this.extras = extras;
    this.iteration = iteration;
    this.period = period;
  }

  @Override
  public int iteration() {
    return iteration;
  }

  @Override
  public float[] step(INDArray input, INDArray labels, int epoch, Statistics statistics) {
    int rows = (int) input.size(0);
    graph.setInputs(input);
    graph.setLabels(labels);
    graph.computeGradientAndScore();
    float[] stats = new float[extras];
    statistics.collect(graph, stats);
    Gradient gradient = graph.gradient();
    graph.getUpdater().update(gradient, iteration, epoch, rows, LayerWorkspaceMgr.noWorkspaces());
    graph.params().subi(gradient.gradient());
    iteration++;
    graph.getConfiguration().setIterationCount(iteration);
    graph.getConfiguration().setEpochCount(epoch);
    graph.clearLayersStates();
    ctx.allReduce(stats, ReduceOp.SUM);
    if (ctx.workers() > 1 && iteration % period == 0) {
      average(graph.params());
      INDArray state = graph.getUpdater().getStateViewArray();
      if (state != null) {
        average(state);
      }
    }
    return stats;
  }

  private void average(INDArray flat) {
    float[] buffer = new float[(int) flat.length()];
    FloatBuffer fb = flat.data().asNioFloat();
    fb.position((int) flat.offset());
    fb.get(buffer);
    ctx.allReduce(buffer, ReduceOp.SUM);
    for (int i = 0; i < buffer.length; i++) {
      buffer[i] /= ctx.workers();
    }
    fb.position((int) flat.offset());
    fb.put(buffer);
  }
}
