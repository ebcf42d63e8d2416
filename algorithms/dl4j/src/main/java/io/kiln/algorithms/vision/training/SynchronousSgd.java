package io.kiln.algorithms.vision.training;

import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;
import java.nio.FloatBuffer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Synchronous data-parallel training of a DL4J {@link ComputationGraph} over the runtime's
 * all-reduce: in one step every worker computes the gradient of its own minibatch, one all-reduce
 * sums them, and every worker applies the same updater step to the same parameters, so the
 * parameters stay identical on every worker without ever being exchanged. With {@code w} workers of
 * {@code b} rows each the step equals one worker's step on the global batch of {@code w * b} rows
 * (MXNet's {@code dist_sync} key-value store, which SageMaker's Image Classification uses, does the
 * same: its effective batch is mini_batch_size times the instance count).
 *
 * <p>DL4J's backward pass leaves the gradient <em>summed</em> over the minibatch in one float32 view
 * and its updater divides it by the batch size it is given; BatchNormalization's running mean and
 * variance travel in the same view as per-batch <em>updates</em> that are not divided. So the
 * summed view is the global batch's sum for the real gradients, and the running-statistics updates
 * are divided here by the worker count: their mean. The caller's statistics (correct predictions,
 * loss sums) ride in extra float slots of the same all-reduce.
 *
 * <p>Every worker must pass the same number of rows in the same step (the caller pads a short share
 * by cycling it). Not thread-safe: one training thread per worker.
 */
public final class SynchronousSgd implements DataParallelStep {
  /** Makes one per worker: Kiln's mechanism. */
  public static final DataParallelStep.Factory FACTORY = SynchronousSgd::new;

  private final ComputationGraph graph;
  private final WorkerContext ctx;
  private final int extras;
  private final int size;
  private final float[] buffer;
  private int iteration;

  /**
   * @param graph the initialised network, identical on every worker (same configuration, seed or
   *     restored parameters)
   * @param extras float slots summed with the gradient each step, for the caller's statistics
   * @param iteration steps already taken (0, or a restored count, for the updater's schedules and
   *     Adam's bias correction)
   */
  public SynchronousSgd(ComputationGraph graph, WorkerContext ctx, int extras, int iteration) {
    if (graph.getLayers() == null) {
      throw new IllegalArgumentException("the graph is not initialised: call init() first");
    }
    long n = graph.numParams();
    if (n + extras + 1 > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a network of " + n + " parameters does not fit one all-reduce buffer");
    }
    this.graph = graph;
    this.ctx = ctx;
    this.extras = extras;
    this.size = (int) n;
    this.buffer = new float[size + extras + 1];
    this.iteration = iteration;
  }

  @Override
  public int iteration() {
    return iteration;
  }

  /**
   * One collective step. Every worker calls it the same number of times per epoch, each time with
   * the same number of rows.
   *
   * @param input the worker's minibatch, e.g. {@code [rows, channels, height, width]}
   * @param labels its labels, {@code [rows, classes]}
   * @param epoch the epoch counted from 0, for epoch schedules
   * @param statistics fills the step's extras on this worker after its forward and backward pass
   *     (the network's score and listeners' findings are then current)
   * @return the extras summed over the workers (a fresh array of length {@code extras})
   */
  @Override
  public float[] step(INDArray input, INDArray labels, int epoch, Statistics statistics) {
    long rows = input.size(0);
    graph.setInputs(input);
    graph.setLabels(labels);
    graph.computeGradientAndScore();
    float[] stats = new float[extras];
    statistics.collect(graph, stats);
    Gradient gradient = graph.gradient();
    INDArray flat = gradient.gradient();
    copy(flat, buffer);
    System.arraycopy(stats, 0, buffer, size, extras);
    buffer[size + extras] = rows;
    ctx.allReduce(buffer, ReduceOp.SUM);
    System.arraycopy(buffer, size, stats, 0, extras);
    long total = Math.round(buffer[size + extras]);
    if (total != rows * ctx.workers()) {
      throw new IllegalStateException("workers stepped with different minibatch sizes: " + total + " rows in all, "
          + rows + " here, " + ctx.workers() + " workers");
    }
    paste(buffer, flat);
    if (ctx.workers() > 1) {
      for (Layer layer : graph.getLayers()) {
        String name = layer.conf().getLayer().getLayerName();
        for (String param : layer.paramTable().keySet()) {
          if (!layer.updaterDivideByMinibatch(param)) {
            INDArray view = gradient.gradientForVariable().get(name + "_" + param);
            if (view != null) {
              view.divi(ctx.workers());
            }
          }
        }
      }
    }
    graph.getUpdater().update(gradient, iteration, epoch, (int) total, LayerWorkspaceMgr.noWorkspaces());
    graph.params().subi(flat);
    iteration++;
    graph.getConfiguration().setIterationCount(iteration);
    graph.getConfiguration().setEpochCount(epoch);
    graph.clearLayersStates();
    return stats;
  }

  /** {@code out[0..size) = flat}, read from the native buffer. */
  private void copy(INDArray flat, float[] out) {
    check(flat);
    FloatBuffer fb = flat.data().asNioFloat();
    fb.position((int) flat.offset());
    fb.get(out, 0, size);
  }

  private void paste(float[] in, INDArray flat) {
    check(flat);
    FloatBuffer fb = flat.data().asNioFloat();
    fb.position((int) flat.offset());
    fb.put(in, 0, size);
  }

  private void check(INDArray flat) {
    if (flat.dataType() != DataType.FLOAT || flat.length() != size || flat.elementWiseStride() != 1) {
      throw new IllegalStateException("the flattened gradient is not a contiguous float32 vector of " + size
          + " values: " + flat.shapeInfoToString());
    }
  }
}
