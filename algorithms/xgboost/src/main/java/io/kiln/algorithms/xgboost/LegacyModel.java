package io.kiln.algorithms.xgboost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Keeps Kiln's {@code xgboost-model} (XGBoost 3's JSON) loadable by the XGBoost 1.7 of SageMaker's
 * 1.7-1 container. XGBoost 2.0 renamed the ranking objectives' saved parameters
 * ({@code lambdarank_param}); 1.7 reads {@code lambda_rank_param} and refuses a model without it
 * ("Invalid cast, from Null to Object"). The 1.7 parameters ({@code num_pairsample} 1,
 * {@code fix_list_weight} 0, its defaults) are added beside the new ones, which 1.7 ignores, as
 * XGBoost 3 ignores the old ones: both versions load the file and predict the same. The rest of the
 * file is left byte for byte (tree values are never re-serialised).
 */
final class LegacyModel {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String OBJECTIVE = "\"objective\":{";
  private static final String LEGACY = "\"lambda_rank_param\":{\"fix_list_weight\":\"0\",\"num_pairsample\":\"1\"},";

  private LegacyModel() {}

  /** The model JSON, with what XGBoost 1.7 needs to load it added where missing. */
  static byte[] compatible(byte[] json) {
    JsonNode objective;
    try {
      objective = MAPPER.readTree(json).path("learner").path("objective");
    } catch (IOException e) {
      throw KilnException.internal("XGBoost's model JSON does not parse: " + e.getMessage(), e);
    }
    if (!objective.has("lambdarank_param") || objective.has("lambda_rank_param")) {
      return json;
    }
    String text = new String(json, StandardCharsets.UTF_8);
    int at = text.indexOf(OBJECTIVE);
    if (at < 0 || text.indexOf(OBJECTIVE, at + 1) >= 0) {
      throw KilnException.internal("XGBoost's model JSON has " + (at < 0 ? "no" : "more than one") + " compact "
          + OBJECTIVE + " section; cannot add lambda_rank_param for XGBoost 1.7", null);
    }
    int insert = at + OBJECTIVE.length();
    return (text.substring(0, insert) + LEGACY + text.substring(insert)).getBytes(StandardCharsets.UTF_8);
  }
}
