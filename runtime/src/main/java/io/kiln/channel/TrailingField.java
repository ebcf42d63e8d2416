package io.kiln.channel;

import java.util.List;

/**
 * Decides, across a CSV channel's workers, whether a trailing empty field ({@code 1,0.5,}) is a
 * missing last feature or a trailing delimiter.
 *
 * <p>Native XGBoost's CSV reader (dmlc-core's, which SageMaker's XGBoost container uses) counts a
 * file's columns as the highest column holding a value: an empty last field on every row is no
 * column at all, while on rows beside rows that fill it in it is a missing value (pandas writes
 * {@code …,-0.552949,} for a missing last feature). Each worker only sees its own rows, so each
 * reports its feature count, marked when every one of its rows ended with an empty field (the
 * count then includes that field); this class resolves the marked counts against the others.
 */
public final class TrailingField {
  private TrailingField() {}

  /**
   * The feature count each worker keeps.
   *
   * @param reports one per worker, in rank order: its feature count ({@code -1} for no rows),
   *     followed by {@code t} when every one of its rows ended with an empty field
   * @return per worker: its count, or its count minus one where the trailing field is a delimiter:
   *     when every worker with rows is marked, or when unmarked workers have one column fewer.
   *     Counts that still differ are left for the caller to refuse.
   */
  public static int[] agree(List<String> reports) {
    int n = reports.size();
    int[] counts = new int[n];
    boolean[] marked = new boolean[n];
    int exact = -1;
    for (int w = 0; w < n; w++) {
      String r = reports.get(w);
      marked[w] = r.endsWith("t");
      counts[w] = Integer.parseInt(marked[w] ? r.substring(0, r.length() - 1) : r);
      if (!marked[w] && counts[w] >= 0) {
        exact = Math.max(exact, counts[w]);
      }
    }
    for (int w = 0; w < n; w++) {
      if (marked[w] && (exact < 0 || counts[w] - 1 == exact)) {
        counts[w]--;
      }
    }
    return counts;
  }
}
