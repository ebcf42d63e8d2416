package io.kiln.channel;

import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.LocalChannel.Row;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LibSvmParserTest {
  @TempDir Path dir;

  @Test
  void readsLabelWeightQidAndEntries() {
    LabeledData data = readLibSvm("1:0.5 qid:3 1:0.5 3:2\n");

    assertThat(data.isDense()).isFalse();
    assertThat(data.rows()).isEqualTo(1);
    assertThat(data.columns()).isEqualTo(4);
    assertThat(rows(data)).containsExactly(Row.sparse(1, 0.5f, new int[] {1, 3}, new float[] {0.5f, 2}));
  }

  @Test
  void indicesAreKeptAsWrittenFromZero() {
    LabeledData data = readLibSvm("0 0:1.5 2:-1\n1 1:7\n");

    assertThat(data.columns()).isEqualTo(3);
    assertThat(data.rowOffsets()).startsWith(0L, 2L, 3L);
    assertThat(data.indices()).startsWith(0, 2, 1);
    assertThat(data.values()).startsWith(1.5f, -1f, 7f);
    assertThat(data.labels()).startsWith(0f, 1f);
    // no row gives a weight: none are attached (rank:* objectives take no per-row weights)
    assertThat(data.weights()).isNull();
  }

  @Test
  void columnsAreTheLargestIndexPlusOne() {
    assertThat(readLibSvm("1 4:1\n0 2:1 99:3\n1 5:5\n").columns()).isEqualTo(100);
  }

  @Test
  void rowWithOnlyALabelHasNoEntries() {
    LabeledData data = readLibSvm("1\n-1:2\n3 0:4\n");

    assertThat(rows(data)).containsExactly(
        Row.sparse(1, 1, new int[0], new float[0]),
        Row.sparse(-1, 2, new int[0], new float[0]),
        Row.sparse(3, 1, new int[] {0}, new float[] {4}));
  }

  @Test
  void commentsBlankLinesTabsAndRunsOfSpacesAreIgnored() {
    LabeledData data = readLibSvm("# features: 1 = age\n\n 1\tqid:12 2:3   5:1e-2 # 7:7 trailing\r\n   \t\n0 qid:12\t1:1#x\n");

    assertThat(rows(data)).containsExactly(
        Row.sparse(1, 1, new int[] {2, 5}, new float[] {3, 0.01f}),
        Row.sparse(0, 1, new int[] {1}, new float[] {1}));
    assertThat(data.columns()).isEqualTo(6);
  }

  @Test
  void thousandsOfRowsAndEntriesAreKeptInOrder() {
    StringBuilder text = new StringBuilder();
    List<Row> expected = new ArrayList<>();
    for (int r = 0; r < 3000; r++) {
      int entries = r % 13;
      int[] indices = new int[entries];
      float[] values = new float[entries];
      text.append(r).append(':').append(r % 4 + 1);
      for (int e = 0; e < entries; e++) {
        indices[e] = e * 3 + r % 3;
        values[e] = r + e / 8f;
        text.append(' ').append(indices[e]).append(':').append(values[e]);
      }
      text.append('\n');
      expected.add(Row.sparse(r, r % 4 + 1, indices, values));
    }

    LabeledData data = readLibSvm(text.toString());

    assertThat(data.rows()).isEqualTo(3000);
    assertThat(data.columns()).isEqualTo(11 * 3 + 2 + 1);
    assertThat(data.rowOffsets()[3000]).isEqualTo(expected.stream().mapToLong(r -> r.values().size()).sum());
    assertThat(rows(data)).isEqualTo(expected);
  }

  @Test
  void decreasingIndexIsAnErrorWithLineNumber() {
    assertThat(userError(() -> readLibSvm("1 1:1\n# comment\n0 3:1 2:1\n")))
        .hasMessage("Channel 'train': " + fileUri() + " line 3: feature index 2 comes after 3; indices must "
            + "increase along a row");
  }

  @Test
  void repeatedIndexIsAnError() {
    assertThat(userError(() -> readLibSvm("1 4:1 4:2\n")))
        .hasMessageEndingWith("line 1: feature index 4 comes after 4; indices must increase along a row");
  }

  @Test
  void badTokensAreErrorsNamingTheToken() {
    assertThat(userError(() -> readLibSvm("1 abc\n"))).hasMessageContaining("line 1: 'abc' is not index:value");
    assertThat(userError(() -> readLibSvm("1 abc 2:1\n"))).hasMessageEndingWith("line 1: 'abc' is not index:value");
    assertThat(userError(() -> readLibSvm("1 a:1\n")))
        .hasMessageEndingWith("line 1: feature index 'a' is not a whole number >= 0");
    assertThat(userError(() -> readLibSvm("1 -1:1\n")))
        .hasMessageEndingWith("line 1: feature index '-1' is not a whole number >= 0");
    assertThat(userError(() -> readLibSvm("1 1.5:1\n")))
        .hasMessageEndingWith("line 1: feature index '1.5' is not a whole number >= 0");
    assertThat(userError(() -> readLibSvm("1 :1\n"))).hasMessageEndingWith("line 1: a feature index is empty");
    assertThat(userError(() -> readLibSvm("1 2:x\n")))
        .hasMessageEndingWith("line 1: the value of feature 2 'x' is not a number");
    assertThat(userError(() -> readLibSvm("1 2:\n")))
        .hasMessageEndingWith("line 1: the value of feature 2 '' is not a number");
    assertThat(userError(() -> readLibSvm("yes 2:1\n")))
        .hasMessageEndingWith("line 1: the label 'yes' is not a number");
    assertThat(userError(() -> readLibSvm("1:heavy 2:1\n")))
        .hasMessageEndingWith("line 1: the weight 'heavy' is not a number");
    assertThat(userError(() -> readLibSvm("1: 2:1\n"))).hasMessageEndingWith("line 1: the weight '' is not a number");
    assertThat(userError(() -> readLibSvm("1 99999999999:1\n")))
        .hasMessageEndingWith("line 1: feature index 99999999999 is too large");
  }

  @Test
  void errorLineNumbersCountCommentsAndBlankLines() {
    assertThat(userError(() -> readLibSvm("# head\n\n1 1:1\r\n\r\n0 1:z\n")))
        .hasMessage("Channel 'train': " + fileUri() + " line 5: the value of feature 1 'z' is not a number");
  }

  @Test
  void readOptionsDoNotChangeLibSvm() {
    write(dir.resolve("train/a"), "1:3 0:1\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.LIBSVM);

    assertThat(rows(read("train", ContentType.LIBSVM, plan(channel, 1).get(0), new ReadOptions(true))))
        .containsExactly(Row.sparse(1, 3, new int[] {0}, new float[] {1}));
  }

  // ---- issue 9, kind 4: LIBSVM with qid for rank:* objectives ----

  /** Issue 9: qid:n right after the label is the row's query id; weights only when a row gives one. */
  @Test
  void qidsAreKeptPerRowAndWeightsOnlyWhenGiven() {
    LabeledData data = readLibSvm("2 qid:1 0:1\n0 qid:1 0:2\n1 qid:7 1:1\n1 qid:1 0:3\n");

    assertThat(data.qids()).startsWith(1, 1, 7, 1);
    assertThat(data.weights()).isNull();
    assertThat(rows(data)).containsExactly(Row.sparse(2, 1, new int[] {0}, new float[] {1}),
        Row.sparse(0, 1, new int[] {0}, new float[] {2}), Row.sparse(1, 1, new int[] {1}, new float[] {1}),
        Row.sparse(1, 1, new int[] {0}, new float[] {3}));
    assertThat(readLibSvm("1 0:1\n0 1:1\n").qids()).isNull();
    LabeledData weighted = readLibSvm("1 0:1\n0:2.5 1:1\n");
    assertThat(weighted.weights()).startsWith(1f, 2.5f);
  }

  @Test
  void qidOnSomeRowsOnlyOrAfterAFeatureIsAnError() {
    assertThat(userError(() -> readLibSvm("1 qid:1 0:1\n0 0:2\n")))
        .hasMessage("Channel 'train': " + fileUri() + " line 2: the row has no qid, but 1 row(s) before it have one; "
            + "give every row its query id right after the label (label qid:n index:value ...)");
    assertThat(userError(() -> readLibSvm("1 0:1\n0 qid:3 0:2\n")))
        .hasMessageEndingWith("line 2: the row has a qid, but 1 row(s) before it have none; give every row its query "
            + "id (label qid:n index:value ...) or none");
    assertThat(userError(() -> readLibSvm("1 0:1 qid:1\n")))
        .hasMessageEndingWith("line 1: 'qid:1' comes after a feature; the qid goes right after the label (label qid:n "
            + "index:value ...)");
    assertThat(userError(() -> readLibSvm("1 qid:x 0:1\n")))
        .hasMessageEndingWith("line 1: qid 'x' is not a whole number >= 0");
  }

  /** Issue 9: a channel without ContentType is LIBSVM; a CSV line says so and names the fix. */
  @Test
  void csvLineReadAsLibSvmSuggestsTextCsv() {
    String hint = "the channel is read as LIBSVM (label index:value ...), which is also what a channel without a "
        + "ContentType is read as. If the data is CSV, set \"ContentType\": \"text/csv\" on the channel (contentType: "
        + "text/csv in Kiln's spec)";
    assertThat(userError(() -> readLibSvm("1,0.5,3.25\n")))
        .hasMessage("Channel 'train': " + fileUri() + " line 1: '1,0.5,3.25' looks like CSV (comma-separated values), "
            + "but " + hint);
    assertThat(userError(() -> readLibSvm("1\t0.5\t3.25\n")))
        .hasMessageEndingWith("line 1: '0.5' is not index:value; the line has no index:value pair at all and looks "
            + "like delimited text, but " + hint);
  }

  @Test
  void missingValuesInfinitiesAndMissingLabels() {
    assertThat(rows(readLibSvm("1 0:nan 1:2\n"))).containsExactly(
        Row.sparse(1, 1, new int[] {0, 1}, new float[] {Float.NaN, 2}));
    assertThat(userError(() -> readLibSvm("1 0:inf\n")))
        .hasMessageEndingWith("line 1: the value of feature 0 'inf' is infinite (a 32-bit float holds at most "
            + "±3.4028235e38); replace it with a finite number, or leave the feature out for a missing value");
    assertThat(userError(() -> readLibSvm("1 0:1\nNaN 0:1\n")))
        .hasMessageEndingWith("line 2: the label 'NaN' is a missing value; every row needs a label");
  }

  private LabeledData readLibSvm(String text) {
    write(dir.resolve("train/a"), text);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.LIBSVM);
    return read("train", ContentType.LIBSVM, plan(channel, 1).get(0), ReadOptions.DEFAULT);
  }

  private String fileUri() {
    return list("train", uri(dir) + "/train/", ContentType.LIBSVM).objects().get(0).uri();
  }
}
