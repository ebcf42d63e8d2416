package io.kiln.algorithms.xgboost;

import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.WorkerContext;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Query groups for XGBoost's ranking objectives and metrics, from the {@code qid:} ids of LIBSVM
 * rows, as native XGBoost makes them: each run of consecutive rows with the same qid is one group
 * (the ids need not be sorted; a qid that comes back later starts a new group).
 *
 * <p>Workers read contiguous shares of a channel, so a group can start at the end of one worker's
 * share and go on at the start of the next. {@link #joinCutGroups} moves such a group's rows to the
 * worker where it starts, so that every group is whole on one worker, as on a single machine.
 */
final class QueryGroups {
  private QueryGroups() {}

  /** The sizes of the runs of equal ids among the first {@code rows} of {@code qids}. */
  static int[] sizes(int[] qids, int rows) {
    int[] out = new int[rows];
    int groups = 0;
    for (int i = 0; i < rows; i++) {
      if (i == 0 || qids[i] != qids[i - 1]) {
        groups++;
      }
      out[groups - 1]++;
    }
    return Arrays.copyOf(out, groups);
  }

  /**
   * Returns this worker's rows with every query group whole: the leading rows that continue the
   * group a previous worker's share ends with are sent to that worker, which appends them. Every
   * worker calls this with its share of the same channel (sparse rows with qids).
   *
   * @throws KilnException USER when one group spans a whole worker's share (fewer workers are needed)
   */
  static LabeledData joinCutGroups(WorkerContext ctx, String channel, LabeledData d) {
    int n = d.rows();
    int lead = 0;
    while (lead < n && d.qids()[lead] == d.qids()[0]) {
      lead++;
    }
    String summary = n == 0 ? "0 0 0 0" : n + " " + d.qids()[0] + " " + d.qids()[n - 1] + " " + lead;
    List<String> all = ctx.allGather(summary);
    int workers = all.size();
    int[] owner = new int[workers]; // the worker that receives w's leading rows, or -1
    int[] give = new int[workers];
    Arrays.fill(owner, -1);
    int open = -1;
    long openQid = 0;
    for (int w = 0; w < workers; w++) {
      long[] s = Arrays.stream(all.get(w).split(" ")).mapToLong(Long::parseLong).toArray();
      if (s[0] == 0) {
        continue;
      }
      if (open >= 0 && s[1] == openQid) {
        if (s[3] == s[0]) {
          throw KilnException.user("Channel '" + channel + "': query group qid:" + openQid + " fills worker " + w
              + "'s whole share of the rows and more, so it cannot be made whole on one worker; use fewer workers");
        }
        owner[w] = open;
        give[w] = (int) s[3];
      }
      open = w;
      openQid = s[2];
    }
    if (Arrays.stream(give).allMatch(g -> g == 0)) {
      return d;
    }
    int me = ctx.rank();
    List<String> sent = ctx.allGather(give[me] == 0 ? "" : encode(d, 0, give[me]));
    int extraRows = 0;
    long extraValues = 0;
    ByteBuffer[] incoming = new ByteBuffer[workers];
    for (int w = 0; w < workers; w++) {
      if (owner[w] == me) {
        incoming[w] = ByteBuffer.wrap(Base64.getDecoder().decode(sent.get(w)));
        extraRows += incoming[w].getInt(0);
        extraValues += incoming[w].getLong(4);
      }
    }
    int from = give[me];
    int rows = n - from + extraRows;
    long base = d.rowOffsets()[from];
    long keptValues = d.rowOffsets()[n] - base;
    float[] labels = new float[rows];
    float[] weights = d.weights() == null ? null : new float[rows];
    int[] qids = new int[rows];
    long[] offsets = new long[rows + 1];
    int[] indices = new int[Math.toIntExact(keptValues + extraValues)];
    float[] values = new float[indices.length];
    System.arraycopy(d.labels(), from, labels, 0, n - from);
    if (weights != null) {
      System.arraycopy(d.weights(), from, weights, 0, n - from);
    }
    System.arraycopy(d.qids(), from, qids, 0, n - from);
    for (int i = from; i <= n; i++) {
      offsets[i - from] = d.rowOffsets()[i] - base;
    }
    System.arraycopy(d.indices(), (int) base, indices, 0, (int) keptValues);
    System.arraycopy(d.values(), (int) base, values, 0, (int) keptValues);
    int row = n - from;
    long at = keptValues;
    for (ByteBuffer b : incoming) {
      if (b == null) {
        continue;
      }
      int count = b.getInt();
      b.getLong();
      for (int r = 0; r < count; r++) {
        labels[row] = b.getFloat();
        float weight = b.getFloat();
        if (weights != null) {
          weights[row] = weight;
        }
        qids[row] = b.getInt();
        int nnz = b.getInt();
        for (int k = 0; k < nnz; k++) {
          indices[(int) at] = b.getInt();
          values[(int) at] = b.getFloat();
          at++;
        }
        row++;
        offsets[row] = at;
      }
    }
    return new LabeledData(rows, d.columns(), labels, weights, null, offsets, indices, values, qids);
  }

  /** Rows {@code [from, to)} of sparse data: count, value count, then per row label, weight, qid, nnz, pairs. */
  private static String encode(LabeledData d, int from, int to) {
    long values = d.rowOffsets()[to] - d.rowOffsets()[from];
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(12 + 16L * (to - from) + 8 * values));
    b.putInt(to - from).putLong(values);
    for (int r = from; r < to; r++) {
      b.putFloat(d.labels()[r]).putFloat(d.weights() == null ? 1f : d.weights()[r]).putInt(d.qids()[r]);
      int s = (int) d.rowOffsets()[r];
      int e = (int) d.rowOffsets()[r + 1];
      b.putInt(e - s);
      for (int k = s; k < e; k++) {
        b.putInt(d.indices()[k]).putFloat(d.values()[k]);
      }
    }
    return Base64.getEncoder().encodeToString(b.array());
  }
}
