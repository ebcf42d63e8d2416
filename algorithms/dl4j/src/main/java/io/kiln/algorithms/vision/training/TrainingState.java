package io.kiln.algorithms.vision.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.KilnException;
import io.kiln.spi.WorkerContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J built-in's training state between epochs (Image Classification's, Object Detection's),
 * what a checkpoint holds: {@value #NETWORK}
 * (the network with its updater state, DL4J's {@link ModelSerializer} format), {@value #STATE} (the
 * counters and metrics below, JSON) and, once a validation epoch was best, {@value #BEST} (that
 * epoch's parameters, {@link Nd4j#saveBinary}).
 */
public final class TrainingState {
  public static final String NETWORK = "network.zip";
  public static final String STATE = "state.json";
  public static final String BEST = "best-params.bin";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Epochs completed. */
  public int epoch;
  /** Updater steps taken. */
  public int iteration;
  /** The best validation metric so far (accuracy, mAP; any improvement), or -1. */
  public double bestValue = -1;
  /** The epoch (counted from 1) of {@link #bestValue}, 0 for none. */
  public int bestEpoch;
  /** The parameters after {@link #bestEpoch}, or null. */
  public INDArray bestParams;
  /** Early stopping's reference value: the last that improved by more than the tolerance, or -1. */
  public double stoppingReference = -1;
  /** Epochs since the validation metric last improved by more than the tolerance. */
  public int sinceImprovement;
  public Map<String, Double> lastMetrics;
  public Map<String, Double> bestMetrics;

  /**
   * Takes an epoch's validation metric, larger is better (after {@link #epoch} was counted): keeps
   * the parameters of the best epoch, counts epochs without an improvement of more than
   * {@code tolerance} relative to the reference (SageMaker's early_stopping_tolerance).
   */
  public void observe(double accuracy, ComputationGraph graph, double tolerance) {
    if (accuracy > bestValue) {
      bestValue = accuracy;
      bestEpoch = epoch;
      bestParams = graph.params().dup();
    }
    // SageMaker: no improvement when (accuracy - best) / best is below early_stopping_tolerance
    if (stoppingReference < 0 || accuracy - stoppingReference > tolerance * stoppingReference) {
      stoppingReference = accuracy;
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
  }

  /**
   * The state of the job's newest checkpoint, its network and updater state put into {@code graph},
   * if the job has one (a resumed job: after an executor loss, or a retried attempt).
   */
  public static java.util.Optional<TrainingState> restore(WorkerContext ctx, ComputationGraph graph) {
    java.util.Optional<Checkpointing.Restored> restored = ctx.checkpointing().restore();
    if (restored.isEmpty() || !present(restored.get().directory())) {
      return java.util.Optional.empty();
    }
    TrainingState state = read(restored.get().directory(), graph);
    ctx.log("Resumed from the checkpoint after epoch " + state.epoch);
    return java.util.Optional.of(state);
  }

  /** Whether a checkpoint directory holds this state. */
  public static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(NETWORK)) && Files.isRegularFile(dir.resolve(STATE));
  }

  /** Writes the state and {@code graph} (with its updater state) into a checkpoint directory. */
  public void write(Path dir, ComputationGraph graph) throws IOException {
    ModelSerializer.writeModel(graph, dir.resolve(NETWORK).toFile(), true);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("epoch", epoch);
    s.put("iteration", iteration);
    s.put("best_value", bestValue);
    s.put("best_epoch", bestEpoch);
    s.put("stopping_reference", stoppingReference);
    s.put("since_improvement", sinceImprovement);
    s.put("last_metrics", lastMetrics);
    s.put("best_metrics", bestMetrics);
    JSON.writeValue(dir.resolve(STATE).toFile(), s);
    if (bestParams != null) {
      Nd4j.saveBinary(bestParams, dir.resolve(BEST).toFile());
    }
  }

  /**
   * Reads a checkpoint's state and puts its parameters and updater state into {@code graph} (built
   * from the same hyperparameters: the checkpoint's identity says so).
   */
  public static TrainingState read(Path dir, ComputationGraph graph) {
    try {
      Map<String, Object> s = JSON.readValue(dir.resolve(STATE).toFile(), new TypeReference<>() {});
      ComputationGraph saved = ModelSerializer.restoreComputationGraph(dir.resolve(NETWORK).toFile(), true);
      if (saved.numParams() != graph.numParams()) {
        throw KilnException.internal("The checkpoint's network has " + saved.numParams() + " parameters, this job's "
            + graph.numParams(), null);
      }
      graph.setParams(saved.params());
      INDArray updater = saved.getUpdater().getStateViewArray();
      if (updater != null) {
        graph.getUpdater().getStateViewArray().assign(updater);
      }
      TrainingState t = new TrainingState();
      t.epoch = ((Number) s.get("epoch")).intValue();
      t.iteration = ((Number) s.get("iteration")).intValue();
      t.bestValue = ((Number) s.get("best_value")).doubleValue();
      t.bestEpoch = ((Number) s.get("best_epoch")).intValue();
      t.stoppingReference = ((Number) s.get("stopping_reference")).doubleValue();
      t.sinceImprovement = ((Number) s.get("since_improvement")).intValue();
      t.lastMetrics = metrics(s.get("last_metrics"));
      t.bestMetrics = metrics(s.get("best_metrics"));
      if (Files.isRegularFile(dir.resolve(BEST))) {
        t.bestParams = Nd4j.readBinary(dir.resolve(BEST).toFile());
      }
      graph.getConfiguration().setIterationCount(t.iteration);
      graph.getConfiguration().setEpochCount(t.epoch);
      return t;
    } catch (IOException | RuntimeException e) {
      if (e instanceof KilnException k) {
        throw k;
      }
      throw KilnException.internal("Cannot read the checkpoint: " + e.getMessage(), e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Double> metrics(Object o) {
    if (!(o instanceof Map<?, ?> m)) {
      return null;
    }
    Map<String, Double> out = new LinkedHashMap<>();
    ((Map<String, Object>) m).forEach((k, v) -> out.put(k, ((Number) v).doubleValue()));
    return out;
  }
}
