package io.kiln.channel;

import static io.kiln.channel.LocalChannel.concat;
import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.readAll;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.InputSplit.Unit;
import io.kiln.channel.LocalChannel.Row;
import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParquetRowsTest {
  private static final MessageType FEATURES = MessageTypeParser.parseMessageType("""
      message row {
        required double label;
        optional int32 count;
        optional int64 big;
        optional float ratio;
        optional double amount;
        optional boolean flag;
      }""");

  @TempDir Path dir;

  @Test
  void readsEveryNumericTypeAsFloatWithNullsMissing() {
    Path file = dir.resolve("train/part-0.parquet");
    writeFeatureRows(file, 0, 40);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    LabeledData data = read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT);

    assertThat(data.isDense()).isTrue();
    assertThat(data.columns()).isEqualTo(5);
    assertThat(data.weights()).isNull();
    assertThat(rows(data)).isEqualTo(expectedRows(0, 40));
    assertThat(rows(data).get(5)).isEqualTo(Row.dense(5, Float.NaN, 5_000_000_035f, 5 / 3f, 0.5f, 0f));
    assertThat(rows(data).get(1)).isEqualTo(Row.dense(1, 3, 1_000_000_007f, 1 / 3f, 0.1f, 0f));
  }

  @Test
  void plansWholeFilesByRowCount() {
    writeFeatureRows(dir.resolve("train/a.parquet"), 0, 30);
    writeFeatureRows(dir.resolve("train/b.parquet"), 30, 120);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);
    String a = channel.objects().get(0).uri();
    String b = channel.objects().get(1).uri();
    long aSize = channel.objects().get(0).size();
    long bSize = channel.objects().get(1).size();

    // 30 + 90 rows: boundaries 0, 40, 80, 120
    assertThat(plan(channel, 3)).containsExactly(
        List.of(new InputSplit(a, 0, 30, aSize, Unit.ROWS, false), new InputSplit(b, 0, 10, bSize, Unit.ROWS, false)),
        List.of(new InputSplit(b, 10, 50, bSize, Unit.ROWS, false)),
        List.of(new InputSplit(b, 50, 90, bSize, Unit.ROWS, false)));
  }

  @Test
  void rowRangesAreReadExactlyOnceAcrossWorkersAndRowGroups() {
    int[] sizes = {137, 1, 260, 45};
    int first = 0;
    for (int f = 0; f < sizes.length; f++) {
      writeFeatureRows(dir.resolve(String.format("train/part-%05d.parquet", f)), first, first + sizes[f]);
      first += sizes[f];
    }
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);
    List<Row> expected = expectedRows(0, first);

    assertThat(rowGroups(channel.objects().get(2).uri())).isGreaterThan(5);
    for (int workers = 1; workers <= 5; workers++) {
      List<List<Row>> read = readAll(channel, workers, ReadOptions.DEFAULT);

      assertThat(concat(read)).as("%d workers", workers).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(concat(read)).as("%d workers, in rank order", workers).isEqualTo(expected);
      for (int w = 0; w < workers; w++) {
        assertThat(read.get(w)).as("rows of worker %d of %d", w, workers)
            .hasSize(first * (w + 1) / workers - first * w / workers);
      }
    }
  }

  @Test
  void everyRowRangeOfAFileReadsThoseRows() {
    Path file = dir.resolve("train/a.parquet");
    writeFeatureRows(file, 0, 64);
    String uri = list("train", uri(dir) + "/train/", ContentType.PARQUET).objects().get(0).uri();
    List<Row> all = expectedRows(0, 64);

    assertThat(rowGroups(uri)).isGreaterThan(3);
    for (int start = 0; start < 64; start += 3) {
      for (int end = start + 1; end <= 64; end += 7) {
        InputSplit split = new InputSplit(uri, start, end, 0, Unit.ROWS, false);
        assertThat(rows(read("train", ContentType.PARQUET, List.of(split), ReadOptions.DEFAULT)))
            .as("rows [%d, %d)", start, end).isEqualTo(all.subList(start, end));
      }
    }
  }

  @Test
  void shardedByS3KeyReadsWholeFiles() {
    writeFeatureRows(dir.resolve("train/a.parquet"), 0, 10);
    writeFeatureRows(dir.resolve("train/b.parquet"), 10, 50);
    writeFeatureRows(dir.resolve("train/c.parquet"), 50, 55);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET, DataDistribution.ShardedByS3Key,
        ChannelSpec.Compression.None);

    List<List<Row>> read = readAll(channel, 2, ReadOptions.DEFAULT);

    List<Row> first = new ArrayList<>(expectedRows(0, 10));
    first.addAll(expectedRows(50, 55));
    assertThat(read).containsExactly(first, expectedRows(10, 50));
  }

  @Test
  void stringColumnIsRefusedNamingTheColumn() {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message row { required double label; optional double x; optional binary city (UTF8); }");
    writeRows(dir.resolve("train/a.parquet"), schema, 5, g -> g.append("label", 1.0).append("x", 2.0)
        .append("city", "Oslo"));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);
    String file = channel.objects().get(0).uri();

    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessageStartingWith("Channel 'train': column 'city' of " + file + " is ")
        .hasMessageContaining("binary city")
        .hasMessageEndingWith("; every column must be a single number (int, long, float, double or boolean)");
  }

  @Test
  void repeatedColumnIsRefusedNamingTheColumn() {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message row { required double label; repeated float xs; }");
    writeRows(dir.resolve("train/a.parquet"), schema, 5, g -> g.append("label", 1.0).append("xs", 2f)
        .append("xs", 3f));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessageStartingWith("Channel 'train': column 'xs' of " + channel.objects().get(0).uri() + " is ");
  }

  @Test
  void nullLabelIsAnErrorNamingTheRow() {
    MessageType schema = MessageTypeParser.parseMessageType("message row { optional float y; optional float x; }");
    List<Integer> written = new ArrayList<>();
    writeRows(dir.resolve("train/a.parquet"), schema, 4, g -> {
      if (written.size() != 2) {
        g.append("y", 1f);
      }
      g.append("x", 2f);
      written.add(1);
    });
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + channel.objects().get(0).uri() + " row 3 has no label (its first column 'y' "
            + "is null); every row needs a label");
  }

  @Test
  void labelOnlyFileIsRefused() {
    MessageType schema = MessageTypeParser.parseMessageType("message row { required double label; }");
    writeRows(dir.resolve("train/a.parquet"), schema, 3, g -> g.append("label", 1.0));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + channel.objects().get(0).uri() + " has 1 column(s); Parquet channels need "
            + "the label first and at least one feature column");
  }

  @Test
  void filesWithDifferentFeatureCountsAreRefused() {
    writeFeatureRows(dir.resolve("train/a.parquet"), 0, 5);
    MessageType narrow = MessageTypeParser.parseMessageType("message row { required double label; required float x; }");
    writeRows(dir.resolve("train/b.parquet"), narrow, 5, g -> g.append("label", 1.0).append("x", 1f));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + channel.objects().get(1).uri() + " has 1 feature columns, but files before "
            + "it have 5");
  }

  @Test
  void textFileInAParquetChannelIsAUserError() {
    write(dir.resolve("train/a.parquet"), "1,2,3\n");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(userError(() -> plan(channel, 1)))
        .hasMessageStartingWith("Cannot read " + channel.objects().get(0).uri() + " as Parquet: ")
        .hasMessageEndingWith(". Check the channel's content type");
  }

  @Test
  void emptyObjectsInAParquetChannelAreSkippedLikeInTextChannels() {
    writeFeatureRows(dir.resolve("train/a.parquet"), 0, 10);
    write(dir.resolve("train/b.parquet"), "");
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(channel.objects()).hasSize(2);
    assertThat(plan(channel, 1).get(0)).extracting(InputSplit::uri).containsExactly(channel.objects().get(0).uri());
    assertThat(concat(readAll(channel, 2, ReadOptions.DEFAULT))).isEqualTo(expectedRows(0, 10));
  }

  @Test
  void withoutLabelsTheFirstColumnIsAFeatureToo() {
    writeFeatureRows(dir.resolve("train/a.parquet"), 0, 35);
    writeFeatureRows(dir.resolve("train/b.parquet"), 35, 60);
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);
    List<Row> expected = new ArrayList<>();
    for (Row r : expectedRows(0, 60)) {
      List<Float> values = new ArrayList<>();
      values.add(r.label());
      values.addAll(r.values());
      expected.add(new Row(Float.NaN, 1f, List.of(), values));
    }

    for (int workers = 1; workers <= 3; workers++) {
      List<List<Row>> perWorker = readAll(channel, workers, ReadOptions.unlabelled());
      assertThat(concat(perWorker)).as("%d workers", workers).isEqualTo(expected);
    }
    LabeledData data = read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.unlabelled());
    assertThat(data.columns()).isEqualTo(6);
    assertThat(data.labels()).isNull();
  }

  @Test
  void withoutLabelsANullInTheFirstColumnIsAMissingValue() {
    MessageType schema = MessageTypeParser.parseMessageType("message row { optional double a; required float b; }");
    int[] next = {0};
    writeRows(dir.resolve("train/a.parquet"), schema, 4, g -> {
      int r = next[0]++;
      if (r % 2 == 0) {
        g.append("a", (double) r);
      }
      g.append("b", r + 0.5f);
    });
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(rows(read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.unlabelled())))
        .containsExactly(Row.dense(Float.NaN, 0, 0.5f), Row.dense(Float.NaN, Float.NaN, 1.5f),
            Row.dense(Float.NaN, 2, 2.5f), Row.dense(Float.NaN, Float.NaN, 3.5f));
    // read with a label, the same null is refused
    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessageContaining("row 2 has no label (its first column ").hasMessageContaining(" is null)");
  }

  @Test
  void withoutLabelsAOneColumnFileIsEnough() {
    MessageType schema = MessageTypeParser.parseMessageType("message row { required int32 a; }");
    int[] next = {0};
    writeRows(dir.resolve("train/a.parquet"), schema, 3, g -> g.append("a", next[0]++));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(rows(read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.unlabelled())))
        .containsExactly(Row.dense(Float.NaN, 0), Row.dense(Float.NaN, 1), Row.dense(Float.NaN, 2));
    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessageContaining("has 1 column(s); Parquet channels need the label first and at least one feature column");
  }

  // ---- issue 9, kind 2: a pandas index is not a feature ----

  /** pyarrow's pandas metadata for a frame label, f1, f2 whose integer index was kept ({@code to_parquet()} after a shuffle). */
  private static final String PANDAS_INDEX = """
      {"index_columns": ["__index_level_0__"], "column_indexes": [{"name": null, "field_name": null, \
      "pandas_type": "unicode", "numpy_type": "object", "metadata": {"encoding": "UTF-8"}}], "columns": [\
      {"name": "label", "field_name": "label", "pandas_type": "float64", "numpy_type": "float64", "metadata": null}, \
      {"name": "f1", "field_name": "f1", "pandas_type": "float64", "numpy_type": "float64", "metadata": null}, \
      {"name": "f2", "field_name": "f2", "pandas_type": "float64", "numpy_type": "float64", "metadata": null}, \
      {"name": null, "field_name": "__index_level_0__", "pandas_type": "int64", "numpy_type": "int64", \
      "metadata": null}], "creator": {"library": "pyarrow", "version": "14.0.1"}, "pandas_version": "2.1.4"}""";

  /**
   * Issue 9: Parquet written by pandas after a split keeps its index as a trailing
   * {@code __index_level_0__} column listed in {@code index_columns}; SageMaker's reader (pandas)
   * restores it as the index, so it is not a feature: 2 features, not 3.
   */
  @Test
  void pandasIndexColumnIsNotAFeature() {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message schema {
          optional double label; optional double f1; optional double f2; optional int64 __index_level_0__;
        }""");
    int[] shuffled = {17, 3, 42};
    int[] next = {0};
    writeRows(dir.resolve("train/part-0.parquet"), schema, 3, java.util.Map.of("pandas", PANDAS_INDEX), g -> {
      int r = next[0]++;
      g.append("label", (double) (r % 2)).append("f1", r * 0.5).append("f2", r * 2.0)
          .append("__index_level_0__", (long) shuffled[r]);
    });
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    LabeledData data = read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT);

    assertThat(data.columns()).isEqualTo(2);
    assertThat(rows(data)).containsExactly(Row.dense(0, 0, 0), Row.dense(1, 0.5f, 2), Row.dense(0, 1, 4));
  }

  /** A named index stored first (set_index("id"); fastparquet puts it first) is neither label nor feature. */
  @Test
  void namedIndexColumnFirstIsNeitherLabelNorFeature() {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message schema { optional binary id (UTF8); optional double label; optional double f1; }""");
    int[] next = {0};
    writeRows(dir.resolve("train/part-0.parquet"), schema, 2,
        java.util.Map.of("pandas", "{\"index_columns\": [\"id\"], \"columns\": []}"), g -> {
          int r = next[0]++;
          g.append("id", "row-" + r).append("label", (double) r).append("f1", r + 0.25);
        });
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(rows(read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(0, 0.25f), Row.dense(1, 1.25f));
  }

  /** A RangeIndex is stored as metadata only ({"kind": "range"}): every column is data. */
  @Test
  void rangeIndexNamesNoColumn() {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message schema { optional double label; optional double f1; }""");
    writeRows(dir.resolve("train/part-0.parquet"), schema, 1, java.util.Map.of("pandas",
        "{\"index_columns\": [{\"kind\": \"range\", \"name\": null, \"start\": 0, \"stop\": 1, \"step\": 1}]}"),
        g -> g.append("label", 1.0).append("f1", 2.0));
    ChannelData channel = list("train", uri(dir) + "/train/", ContentType.PARQUET);

    assertThat(rows(read("train", ContentType.PARQUET, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, 2));
  }

  @Test
  void nanFeatureIsMissingWhileNanLabelsAndInfinitiesAreErrorsNamingTheRow() {
    MessageType schema = MessageTypeParser.parseMessageType("""
        message schema { optional double label; optional double f1; }""");
    double[][] rows = {{1, Double.NaN}, {Double.NaN, 1}, {0, Double.POSITIVE_INFINITY}, {0, 1e39}};
    for (int i = 0; i < rows.length; i++) {
      double[] row = rows[i];
      writeRows(dir.resolve("t" + i + "/part-0.parquet"), schema, 1, g -> g.append("label", row[0]).append("f1", row[1]));
    }
    ChannelData nanFeature = list("train", uri(dir) + "/t0/", ContentType.PARQUET);
    assertThat(rows(read("train", ContentType.PARQUET, plan(nanFeature, 1).get(0), ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1, Float.NaN));
    ChannelData nanLabel = list("train", uri(dir) + "/t1/", ContentType.PARQUET);
    assertThat(userError(() -> read("train", ContentType.PARQUET, plan(nanLabel, 1).get(0), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + nanLabel.objects().get(0).uri() + " row 1 has no label (its first column "
            + "'label' is NaN); every row needs a label");
    for (int i = 2; i < 4; i++) {
      ChannelData inf = list("train", uri(dir) + "/t" + i + "/", ContentType.PARQUET);
      assertThat(userError(() -> read("train", ContentType.PARQUET, plan(inf, 1).get(0), ReadOptions.DEFAULT)))
          .hasMessage("Channel 'train': " + inf.objects().get(0).uri() + " row 1 column 'f1' is Infinity (infinite, "
              + "or beyond a 32-bit float's ±3.4028235e38); replace it with a finite number, or null for a missing "
              + "value");
    }
  }

  /** Rows {@code [from, to)} of {@link #FEATURES}; row r has label r. */
  private static List<Row> expectedRows(int from, int to) {
    List<Row> rows = new ArrayList<>();
    for (int r = from; r < to; r++) {
      rows.add(Row.dense(r,
          r % 5 == 0 ? Float.NaN : r * 3,
          (float) (r * 1_000_000_007L),
          r / 3f,
          r % 7 == 3 ? Float.NaN : (float) (r * 0.1),
          r % 11 == 0 ? Float.NaN : r % 2 == 0 ? 1f : 0f));
    }
    return rows;
  }

  private static void writeFeatureRows(Path file, int from, int to) {
    int[] next = {from};
    writeRows(file, FEATURES, to - from, g -> {
      int r = next[0]++;
      g.append("label", (double) r);
      if (r % 5 != 0) {
        g.append("count", r * 3);
      }
      g.append("big", r * 1_000_000_007L);
      g.append("ratio", r / 3f);
      if (r % 7 != 3) {
        g.append("amount", r * 0.1);
      }
      if (r % 11 != 0) {
        g.append("flag", r % 2 == 0);
      }
    });
  }

  /** Writes {@code rows} rows in row groups of about ten rows each. */
  private static void writeRows(Path file, MessageType schema, int rows, Consumer<Group> fill) {
    writeRows(file, schema, rows, java.util.Map.of(), fill);
  }

  /** Writes rows with {@code metadata} in the file's key-value metadata (as pandas writes its "pandas" key). */
  private static void writeRows(Path file, MessageType schema, int rows, java.util.Map<String, String> metadata,
      Consumer<Group> fill) {
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(uri(file)))
        .withConf(LocalChannel.CONF)
        .withExtraMetaData(metadata)
        .withType(schema)
        .withRowGroupSize(512L)
        .withMinRowCountForPageSizeCheck(10)
        .withMaxRowCountForPageSizeCheck(10)
        .withDictionaryEncoding(false)
        .build()) {
      for (int r = 0; r < rows; r++) {
        Group g = groups.newGroup();
        fill.accept(g);
        writer.write(g);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int rowGroups(String uri) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(uri),
        LocalChannel.CONF))) {
      return r.getRowGroups().size();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
