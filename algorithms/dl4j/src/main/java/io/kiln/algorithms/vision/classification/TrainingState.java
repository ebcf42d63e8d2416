package io.kiln.algorithms.vision.classification;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.KilnException;
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
 * Image Classification's training state between epochs, what a checkpoint holds: {@value #NETWORK}
 * (the network with its updater state, DL4J's {@link ModelSerializer} format), {@value #STATE} (the
 * counters and metrics below, JSON) and, once a validation epoch was best, {@value #BEST} (that
 * epoch's parameters, {@link Nd4j#saveBinary}).
 */
final class TrainingState {
  static final String NETWORK = "network.zip";
  static final String STATE = "state.json";
  static final String BEST = "best-params.bin";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Epochs completed. */
  int epoch;
  /** Updater steps taken. */
  int iteration;
  /** The best validation accuracy so far (any improvement), or -1. */
  double bestAccuracy = -1;
  /** The epoch (counted from 1) of {@link #bestAccuracy}, 0 for none. */
  int bestEpoch;
  /** The parameters after {@link #bestEpoch}, or null. */
  INDArray bestParams;
  /** Early stopping's reference accuracy: the last that improved by more than the tolerance, or -1. */
  double stoppingReference = -1;
  /** Epochs since validation accuracy last improved by more than the tolerance. */
  int sinceImprovement;
  Map<String, Double> lastMetrics;
  Map<String, Double> bestMetrics;

  /** Takes an epoch's validation accuracy (after {@link #epoch} was counted). */
  void observe(double accuracy, ComputationGraph graph, boolean keepParams, double tolerance) {
    if (accuracy > bestAccuracy) {
      bestAccuracy = accuracy;
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

  static boolean present(Path dir) {
    return Files.isRegularFile(dir.resolve(NETWORK)) && Files.isRegularFile(dir.resolve(STATE));
  }

  void write(Path dir, ComputationGraph graph) throws IOException {
    ModelSerializer.writeModel(graph, dir.resolve(NETWORK).toFile(), true);
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("epoch", epoch);
    s.put("iteration", iteration);
    s.put("best_accuracy", bestAccuracy);
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
  static TrainingState read(Path dir, ComputationGraph graph) {
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
      t.bestAccuracy = ((Number) s.get("best_accuracy")).doubleValue();
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
      throw KilnException.internal("Cannot read the Image Classification checkpoint: " + e.getMessage(), e);
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
