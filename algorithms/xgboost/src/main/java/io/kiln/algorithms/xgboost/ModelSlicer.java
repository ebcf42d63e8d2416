package io.kiln.algorithms.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Keeps the first rounds of a tree booster, as XGBoost's {@code Booster[:n]} (Python) does and as
 * SageMaker's container saves an early-stopped model ({@code EarlyStopping(save_best=True)} slices
 * the booster to {@code best_iteration + 1} rounds). xgboost4j has no slicing call, so this cuts
 * XGBoost's JSON model: the trees and their {@code tree_info} up to the round's end in
 * {@code iteration_indptr}, {@code gbtree_model_param.num_trees}, and for dart the tree weights
 * ({@code weight_drop}).
 *
 * <p>Input and output are XGBoost JSON models ({@code Booster.toByteArray("json")}), format of
 * XGBoost 2.0 and later (with {@code iteration_indptr}); native XGBoost 1.7 loads the output.
 */
final class ModelSlicer {
  /**
   * XGBoost writes each float as its shortest decimal; read as a double and written back as the
   * double's shortest decimal it parses to the same float again, so values carry over exactly (and
   * stay numbers with a decimal point, which XGBoost's reader tells from integers).
   */
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ModelSlicer() {}

  /**
   * The model with its first {@code rounds} boosting rounds.
   *
   * @throws IllegalArgumentException for a model that is not a gbtree or dart booster in XGBoost's
   *     JSON format, or has fewer rounds
   */
  static byte[] firstRounds(byte[] json, int rounds) {
    try {
      ObjectNode root = (ObjectNode) MAPPER.readTree(json);
      JsonNode booster = root.path("learner").path("gradient_booster");
      String name = booster.path("name").asText();
      ObjectNode model;
      if (name.equals("gbtree")) {
        model = (ObjectNode) booster.get("model");
      } else if (name.equals("dart")) {
        model = (ObjectNode) booster.path("gbtree").get("model");
      } else {
        throw new IllegalArgumentException("a " + name + " booster has no rounds to slice");
      }
      ArrayNode indptr = (ArrayNode) model.get("iteration_indptr");
      if (indptr == null || indptr.size() < rounds + 1) {
        throw new IllegalArgumentException("the model has " + (indptr == null ? "no" : indptr.size() - 1)
            + " rounds, fewer than " + rounds);
      }
      int trees = indptr.get(rounds).asInt();
      truncate((ArrayNode) model.get("trees"), trees);
      truncate((ArrayNode) model.get("tree_info"), trees);
      truncate(indptr, rounds + 1);
      ((ObjectNode) model.get("gbtree_model_param")).put("num_trees", Integer.toString(trees));
      if (name.equals("dart")) {
        truncate((ArrayNode) booster.get("weight_drop"), trees);
      }
      return MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (IOException | ClassCastException | NullPointerException e) {
      throw new IllegalArgumentException("not an XGBoost JSON tree model: " + e.getMessage(), e);
    }
  }

  private static void truncate(ArrayNode a, int size) {
    while (a.size() > size) {
      a.remove(a.size() - 1);
    }
  }
}
