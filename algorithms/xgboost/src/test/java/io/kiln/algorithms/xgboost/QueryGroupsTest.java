package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Query groups from qids as native XGBoost 1.7.4 makes them from a LIBSVM file (checked: group_ptr). */
class QueryGroupsTest {
  @Test
  void consecutiveRunsOfAQidAreGroupsAndAQidComingBackStartsANewOne() {
    // native: "1 qid:1, 0 qid:1, 2 qid:2, 0 qid:2" -> group_ptr [0, 2, 4]
    assertThat(QueryGroups.sizes(new int[] {1, 1, 2, 2}, 4)).containsExactly(2, 2);
    // native: qids 1, 2, 1, 2 (interleaved) -> group_ptr [0, 1, 2, 3, 4]
    assertThat(QueryGroups.sizes(new int[] {1, 2, 1, 2}, 4)).containsExactly(1, 1, 1, 1);
    // unsorted qids are fine: 2, 2, 1, 1 -> [0, 2, 4]
    assertThat(QueryGroups.sizes(new int[] {2, 2, 1, 1, 99}, 4)).containsExactly(2, 2);
    assertThat(QueryGroups.sizes(new int[0], 0)).isEmpty();
  }
}
