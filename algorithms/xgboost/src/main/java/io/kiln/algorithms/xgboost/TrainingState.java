package io.kiln.algorithms.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import ml.dmlc.xgboost4j.java.Booster;

/**
 * XGBoost's training state as a checkpoint holds it: {@code xgboost-model} (the booster in XGBoost's
 * JSON format, the same bytes as the artifact) and {@code state.json} with the loop's own state.
 *
 * @param round rounds completed
 * @param bestRound the early-stopping best round so far, or -1
 * @param best the early-stopping best value so far, or NaN
 */
record TrainingState(int round, int bestRound, double best) {
  static final String MODEL = "xgboost-model";
  static final String STATE = "state.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Writes this state and {@code booster} into a checkpoint directory. */
  Checkpointing.StateWriter writer(Booster booster) {
    return dir -> {
      Files.write(dir.resolve(MODEL), booster.toByteArray("json"));
      Files.writeString(dir.resolve(STATE), MAPPER.createObjectNode().put("round", round)
          .put("bestRound", bestRound).put("best", best).toString());
    };
  }

  /** The booster file of a restored checkpoint directory. */
  static Path model(Path checkpoint) {
    return checkpoint.resolve(MODEL);
  }

  /** Reads the loop state of a restored checkpoint directory. */
  static TrainingState read(Path checkpoint) {
    try {
      JsonNode n = MAPPER.readTree(Files.readString(checkpoint.resolve(STATE)));
      return new TrainingState(n.get("round").asInt(), n.get("bestRound").asInt(), n.get("best").asDouble());
    } catch (IOException | RuntimeException e) {
      throw KilnException.internal("The checkpoint's " + STATE + " cannot be read: " + e.getMessage(), e);
    }
  }
}
