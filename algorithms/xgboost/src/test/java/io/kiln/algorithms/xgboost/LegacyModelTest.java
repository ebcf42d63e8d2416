package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** XGBoost 3's rank:* model JSON gets the parameters XGBoost 1.7 needs to load it; other models are left alone. */
class LegacyModelTest {
  private static final String RANKING = "{\"learner\":{\"attributes\":{},\"objective\":{\"lambdarank_param\":"
      + "{\"lambdarank_pair_method\":\"topk\"},\"name\":\"rank:pairwise\"},\"gradient_booster\":{\"model\":"
      + "{\"trees\":[{\"split_conditions\":[1.2345678E-1,-3.4028235E38]}]}}},\"version\":[3,1,1]}";

  @Test
  void rankingModelGetsLambdaRankParamBesideTheNewOnesAndNothingElseChanges() {
    String out = new String(LegacyModel.compatible(RANKING.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);

    assertThat(out).isEqualTo(RANKING.replace("\"objective\":{", "\"objective\":{\"lambda_rank_param\":"
        + "{\"fix_list_weight\":\"0\",\"num_pairsample\":\"1\"},"));
    // idempotent
    assertThat(new String(LegacyModel.compatible(out.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8))
        .isEqualTo(out);
  }

  @Test
  void otherObjectivesAreLeftByteForByte() {
    byte[] binary = "{\"learner\":{\"objective\":{\"name\":\"binary:logistic\",\"reg_loss_param\":{\"scale_pos_weight\":\"1\"}}}}"
        .getBytes(StandardCharsets.UTF_8);

    assertThat(LegacyModel.compatible(binary)).isSameAs(binary);
  }
}
