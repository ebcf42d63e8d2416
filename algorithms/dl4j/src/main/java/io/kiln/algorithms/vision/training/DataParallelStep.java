package io.kiln.algorithms.vision.training;

import io.kiln.spi.WorkerContext;
import java.io.Serializable;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training step of a DL4J {@link ComputationGraph} taken together by every worker of a job: the
 * data-parallel mechanism. Kiln's built-ins use {@link SynchronousSgd} (one all-reduce of the
 * gradient per step); docs/benchmarks.md compares it with parameter averaging, measured through
 * this interface.
 */
public interface DataParallelStep {

  /**
   * One step. Every worker calls it the same number of times per epoch, each time with the same
   * number of rows.
   *
   * @param input the worker's minibatch, e.g. {@code [rows, channels, height, width]}
   * @param labels its labels
   * @param epoch the epoch counted from 0, for epoch schedules
   * @param statistics fills the step's extras on this worker after its forward and backward pass
   * @return the extras summed over the workers (a fresh array)
   */
  float[] step(INDArray input, INDArray labels, int epoch, Statistics statistics);

  /** Steps taken so far (a restored count included). */
  int iteration();

  /** Collects a worker's statistics of one step, to be summed over the workers. */
  @FunctionalInterface
  interface Statistics {
    /**
     * @param graph the network right after the step's forward and backward pass
     * @param stats the extras to fill, zeros on entry
     */
    void collect(ComputationGraph graph, float[] stats);
  }

  /** Makes a worker's stepper; serialisable, as it travels inside the worker function. */
  @FunctionalInterface
  interface Factory extends Serializable {
    /**
     * @param graph the initialised network, identical on every worker
     * @param extras float slots of statistics summed each step
     * @param iteration steps already taken
     */
    DataParallelStep create(ComputationGraph graph, WorkerContext ctx, int extras, int iteration);
  }
}
