package io.kiln.channel;

import static io.kiln.channel.LocalChannel.concat;
import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.readAll;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.write;
import static io.kiln.channel.LocalChannel.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.InputSplit.Unit;
import io.kiln.channel.LocalChannel.Row;
import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ReadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of a channel is read by exactly one worker, whatever the worker count and wherever
 * the byte boundaries fall: a line belongs to the split it starts in.
 */
class ExactlyOnceReadingTest {
  @TempDir Path dir;

  /** Text written to files and the rows it holds, in file order. */
  private static final class Written {
    final StringBuilder text = new StringBuilder();
    final List<Row> rows = new ArrayList<>();
  }

  @Test
  void csvRowsAreReadExactlyOnceByOneToFiveWorkers() {
    for (int seed = 0; seed < 30; seed++) {
      Random random = new Random(seed);
      Path root = dir.resolve("csv-" + seed);
      List<Row> expected = new ArrayList<>();
      int files = 1 + random.nextInt(5);
      for (int f = 0; f < files; f++) {
        Written w = csv(random, expected.size(), random.nextInt(4) == 0 ? 1 + random.nextInt(3) : random.nextInt(200));
        write(root.resolve(String.format("train/part-%05d.csv", f)), w.text.toString());
        expected.addAll(w.rows);
      }
      ChannelData channel = list("train", uri(root) + "/train", ContentType.CSV);

      assertExactlyOnce(channel, expected, "seed " + seed);
    }
  }

  @Test
  void libSvmRowsAreReadExactlyOnceByOneToFiveWorkers() {
    for (int seed = 0; seed < 12; seed++) {
      Random random = new Random(1000 + seed);
      Path root = dir.resolve("libsvm-" + seed);
      List<Row> expected = new ArrayList<>();
      int files = 1 + random.nextInt(5);
      for (int f = 0; f < files; f++) {
        Written w = libSvm(random, expected.size(), random.nextInt(4) == 0 ? 1 : random.nextInt(300));
        write(root.resolve(String.format("train/part-%05d", f)), w.text.toString());
        expected.addAll(w.rows);
      }
      ChannelData channel = list("train", uri(root) + "/train/", ContentType.LIBSVM);

      assertExactlyOnce(channel, expected, "seed " + seed);
    }
  }

  @Test
  void recordIoRecordsAreReadExactlyOnceByOneToFiveWorkers() {
    int[] multiPart = new int[1];
    for (int seed = 0; seed < 8; seed++) {
      Random random = new Random(2000 + seed);
      Path root = dir.resolve("recordio-" + seed);
      List<Row> expected = new ArrayList<>();
      int files = 2 + random.nextInt(4);
      for (int f = 0; f < files; f++) {
        byte[] bytes = recordIo(random, expected, random.nextInt(4) == 0 ? 1 + random.nextInt(3) : random.nextInt(150),
            multiPart);
        String name = String.format("train/part-%05d.rec", f);
        if (random.nextInt(5) == 0) {
          writeGzip(root.resolve(name + ".gz"), bytes);
        } else {
          write(root.resolve(name), bytes);
        }
      }
      ChannelData channel = list("train", uri(root) + "/train/", ContentType.RECORDIO_PROTOBUF);

      assertExactlyOnce(channel, expected, "seed " + seed);
    }
    assertThat(multiPart[0]).as("records cut into parts around the magic number").isPositive();
  }

  @Test
  void gzipRowsAreReadExactlyOnceByOneToFiveWorkers() {
    Random random = new Random(7);
    List<Row> expected = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      Written w = csv(random, expected.size(), 400);
      writeGzip(dir.resolve(String.format("gz/part-%05d.csv.gz", f)), w.text.toString());
      expected.addAll(w.rows);
    }
    ChannelData channel = list("train", uri(dir) + "/gz/", ContentType.CSV);

    assertExactlyOnce(channel, expected, "gzip by extension");
  }

  @Test
  void gzipChannelWithoutExtensionsIsReadExactlyOnce() {
    Random random = new Random(8);
    List<Row> expected = new ArrayList<>();
    for (int f = 0; f < 6; f++) {
      Written w = libSvm(random, expected.size(), 300);
      writeGzip(dir.resolve(String.format("gz/part-%05d", f)), w.text.toString());
      expected.addAll(w.rows);
    }
    ChannelData channel = list("train", uri(dir) + "/gz/", ContentType.LIBSVM, DataDistribution.FullyReplicated,
        ChannelSpec.Compression.Gzip);

    assertExactlyOnce(channel, expected, "gzip channel");
  }

  @Test
  void gzipAndPlainObjectsInOneChannelAreReadExactlyOnce() {
    Random random = new Random(9);
    List<Row> expected = new ArrayList<>();
    for (int f = 0; f < 8; f++) {
      Written w = csv(random, expected.size(), 200 + random.nextInt(200));
      String name = String.format("mixed/part-%05d.csv", f);
      if (f % 3 == 1) {
        writeGzip(dir.resolve(name + ".gz"), w.text.toString());
      } else {
        write(dir.resolve(name), w.text.toString());
      }
      expected.addAll(w.rows);
    }
    ChannelData channel = list("train", uri(dir) + "/mixed/", ContentType.CSV);

    assertExactlyOnce(channel, expected, "mixed");
  }

  @Test
  void shardedByS3KeyReadsEachObjectOnceOnItsWorker() {
    Random random = new Random(10);
    List<List<Row>> perFile = new ArrayList<>();
    for (int f = 0; f < 7; f++) {
      Written w = csv(random, f * 10_000, 1 + random.nextInt(50));
      write(dir.resolve(String.format("sharded/part-%05d.csv", f)), w.text.toString());
      perFile.add(w.rows);
    }
    ChannelData channel = list("train", uri(dir) + "/sharded/", ContentType.CSV, DataDistribution.ShardedByS3Key,
        ChannelSpec.Compression.None);

    for (int workers = 1; workers <= 5; workers++) {
      List<List<Row>> read = readAll(channel, workers, ReadOptions.DEFAULT);
      for (int w = 0; w < workers; w++) {
        List<Row> mine = new ArrayList<>();
        for (int f = w; f < perFile.size(); f += workers) {
          mine.addAll(perFile.get(f));
        }
        assertThat(read.get(w)).as("worker %d of %d", w, workers).isEqualTo(mine);
      }
    }
  }

  @Test
  void everyCutOfAFileIntoTwoSplitsReadsEveryRowOnce() {
    String text = "1,10,100\n\n2,20,200\r\n3,30,300\r\n \r\n4,40,400\n5,50,500";
    List<Row> all = List.of(Row.dense(1, 10, 100), Row.dense(2, 20, 200), Row.dense(3, 30, 300),
        Row.dense(4, 40, 400), Row.dense(5, 50, 500));
    Path file = write(dir.resolve("cut.csv"), text);
    long size = text.length();

    for (long cut = 0; cut <= size; cut++) {
      List<Row> first = rows(read("train", ContentType.CSV, List.of(split(file, 0, cut, size)), ReadOptions.DEFAULT));
      List<Row> second = rows(read("train", ContentType.CSV, List.of(split(file, cut, size, size)),
          ReadOptions.DEFAULT));

      List<Row> both = new ArrayList<>(first);
      both.addAll(second);
      assertThat(both).as("cut at byte %d", cut).isEqualTo(all);
      // the first split holds exactly the rows whose line starts before the cut
      assertThat(first).as("cut at byte %d", cut).hasSize(linesStartingBefore(text, cut));
    }
  }

  @Test
  void splitBoundaryExactlyAtALineStartGivesThatLineToTheLaterSplit() {
    String text = "1,1\n2,2\n3,3\n";
    Path file = write(dir.resolve("start.csv"), text);
    int lineStart = text.indexOf("2,2");

    List<Row> first = rows(read("train", ContentType.CSV, List.of(split(file, 0, lineStart, 12)), ReadOptions.DEFAULT));
    List<Row> second = rows(read("train", ContentType.CSV, List.of(split(file, lineStart, 12, 12)),
        ReadOptions.DEFAULT));

    assertThat(lineStart).isEqualTo(4);
    assertThat(first).containsExactly(Row.dense(1, 1));
    assertThat(second).containsExactly(Row.dense(2, 2), Row.dense(3, 3));
  }

  @Test
  void splitBoundaryExactlyAtANewlineGivesTheFollowingLineToTheLaterSplit() {
    String text = "1,1\r\n2,2\n3,3\n";
    Path file = write(dir.resolve("newline.csv"), text);

    for (int newline : new int[] {text.indexOf('\r'), text.indexOf('\n'), text.lastIndexOf("\n3")}) {
      List<Row> first = rows(read("train", ContentType.CSV, List.of(split(file, 0, newline, 13)),
          ReadOptions.DEFAULT));
      List<Row> second = rows(read("train", ContentType.CSV, List.of(split(file, newline, 13, 13)),
          ReadOptions.DEFAULT));

      List<Row> both = new ArrayList<>(first);
      both.addAll(second);
      assertThat(both).as("boundary at %d", newline).containsExactly(Row.dense(1, 1), Row.dense(2, 2),
          Row.dense(3, 3));
      assertThat(first).as("boundary at %d", newline).hasSize(newline < 5 ? 1 : 2);
    }
  }

  @Test
  void everyCutIntoThreeSplitsOfALibSvmFileReadsEveryRowOnce() {
    String text = "1 0:1\r\n# c\n2:0.5 3:2\n\n3 1:1 2:2 # x\n4\n5 7:7";
    List<Row> all = List.of(
        Row.sparse(1, 1, new int[] {0}, new float[] {1}),
        Row.sparse(2, 0.5f, new int[] {3}, new float[] {2}),
        Row.sparse(3, 1, new int[] {1, 2}, new float[] {1, 2}),
        Row.sparse(4, 1, new int[] {}, new float[] {}),
        Row.sparse(5, 1, new int[] {7}, new float[] {7}));
    Path file = write(dir.resolve("cut.libsvm"), text);
    long size = text.length();

    for (long a = 0; a <= size; a++) {
      for (long b = a; b <= size; b += 3) {
        List<InputSplit> splits = List.of(split(file, 0, a, size), split(file, a, b, size), split(file, b, size, size));
        List<Row> read = new ArrayList<>();
        for (InputSplit s : splits) {
          read.addAll(rows(read("train", ContentType.LIBSVM, List.of(s), ReadOptions.DEFAULT)));
        }
        assertThat(read).as("cuts at %d and %d", a, b).isEqualTo(all);
      }
    }
  }

  @Test
  void linesLongerThanTheReadBufferAreReadOnceAcrossSplits() {
    StringBuilder text = new StringBuilder("1,1\n2,");
    text.append(" ".repeat(3 << 20)).append("2\n3,3\n4,");
    text.append(" ".repeat((1 << 20) + 17)).append("4\n5,5");
    Path file = write(dir.resolve("long/a.csv"), text.toString());
    ChannelData channel = list("train", uri(dir) + "/long/", ContentType.CSV);
    List<Row> all = List.of(Row.dense(1, 1), Row.dense(2, 2), Row.dense(3, 3), Row.dense(4, 4), Row.dense(5, 5));

    assertThat(file).hasSize(text.length());
    for (int workers = 1; workers <= 5; workers++) {
      assertThat(concat(readAll(channel, workers, ReadOptions.DEFAULT))).as("%d workers", workers).isEqualTo(all);
    }
  }

  private static void assertExactlyOnce(ChannelData channel, List<Row> expected, String what) {
    assertThat(expected).as(what).isNotEmpty();
    for (int workers = 1; workers <= 5; workers++) {
      List<List<Row>> read = readAll(channel, workers, ReadOptions.DEFAULT);
      List<Row> all = concat(read);

      assertThat(all).as("%s, %d workers", what, workers).containsExactlyInAnyOrderElementsOf(expected);
      for (int w = 0; w < workers; w++) {
        assertThat(read.get(w)).as("%s, worker %d of %d in file order", what, w, workers)
            .extracting(Row::label).isSorted();
      }
      // FullyReplicated shares are contiguous: in rank order they are the channel in order
      assertThat(all).as("%s, %d workers in rank order", what, workers).isEqualTo(expected);
    }
  }

  private static InputSplit split(Path file, long start, long end, long size) {
    return new InputSplit(uri(file), start, end, size, Unit.BYTES, false);
  }

  private static int linesStartingBefore(String text, long cut) {
    int rows = 0;
    int lineStart = 0;
    for (String line : text.split("\n", -1)) {
      if (lineStart < cut && !line.isBlank()) {
        rows++;
      }
      lineStart += line.length() + 1;
    }
    return rows;
  }

  /**
   * CSV rows labelled {@code firstId, firstId + 1, ...} (so a worker's rows in file order have
   * increasing labels) with three features, some empty; padded cells, CRLF endings, blank lines and
   * maybe no final newline.
   */
  private static Written csv(Random random, int firstId, int rows) {
    Written out = new Written();
    for (int r = 0; r < rows; r++) {
      blankLines(random, out.text);
      int id = firstId + r;
      float[] values = new float[3];
      StringBuilder line = new StringBuilder();
      line.append(pad(random)).append(id).append(pad(random));
      for (int c = 0; c < values.length; c++) {
        line.append(',');
        if (random.nextInt(8) == 0) {
          values[c] = Float.NaN;
          // an empty last cell would be a trailing delimiter, which is no column (as in native XGBoost)
          line.append(pad(random)).append(c == values.length - 1 ? "nan" : "");
        } else {
          String number = number(random);
          values[c] = Float.parseFloat(number);
          line.append(pad(random)).append(number).append(pad(random));
        }
      }
      out.text.append(line);
      boolean last = r == rows - 1;
      if (!last || random.nextBoolean()) {
        out.text.append(random.nextInt(3) == 0 ? "\r\n" : "\n");
      }
      out.rows.add(Row.dense(id, values));
    }
    return out;
  }

  /** LibSVM rows labelled like {@link #csv}, with weights, qids, comments and blank lines. */
  private static Written libSvm(Random random, int firstId, int rows) {
    Written out = new Written();
    for (int r = 0; r < rows; r++) {
      blankLines(random, out.text);
      if (random.nextInt(10) == 0) {
        out.text.append("# comment ").append(r).append(" 1:2\n");
      }
      int id = firstId + r;
      float weight = 1;
      StringBuilder line = new StringBuilder(pad(random)).append(id);
      if (random.nextInt(3) == 0) {
        String w = number(random);
        weight = Float.parseFloat(w);
        line.append(':').append(w);
      }
      // every row has its query id or none does; these all do
      line.append(' ').append("qid:").append(random.nextInt(50));
      List<Integer> indices = new ArrayList<>();
      List<Float> values = new ArrayList<>();
      int index = -1;
      int entries = random.nextInt(6);
      for (int e = 0; e < entries; e++) {
        index += 1 + random.nextInt(random.nextInt(10) == 0 ? 5000 : 5);
        String v = number(random);
        indices.add(index);
        values.add(Float.parseFloat(v));
        line.append(random.nextBoolean() ? " " : "\t").append(index).append(':').append(v);
      }
      line.append(pad(random));
      if (random.nextInt(6) == 0) {
        line.append("# trailing 99:1");
      }
      out.text.append(line);
      if (r < rows - 1 || random.nextBoolean()) {
        out.text.append(random.nextInt(3) == 0 ? "\r\n" : "\n");
      }
      out.rows.add(new Row(id, weight, indices, values));
    }
    return out;
  }

  /**
   * RecordIO-protobuf records labelled from {@code expected.size()} on (added to {@code expected}),
   * three features, some of them the float whose bytes are the magic number, and metadata of random
   * length; framed as dmlc-core's writer frames them, cutting a record into parts where its data
   * holds the magic at a 4-byte boundary (counted in {@code multiPart}).
   */
  private static byte[] recordIo(Random random, List<Row> expected, int rows, int[] multiPart) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    float magic = Float.intBitsToFloat(RecordIoProtobuf.MAGIC);
    for (int r = 0; r < rows; r++) {
      int id = expected.size();
      float[] values = new float[3];
      io.kiln.channel.proto.RecordProtos.Float32Tensor.Builder t =
          io.kiln.channel.proto.RecordProtos.Float32Tensor.newBuilder();
      for (int c = 0; c < 3; c++) {
        values[c] = random.nextInt(3) == 0 ? magic : (float) random.nextGaussian();
        t.addValues(values[c]);
      }
      byte[] data = io.kiln.channel.proto.RecordProtos.Record.newBuilder()
          .putFeatures("values", io.kiln.channel.proto.RecordProtos.Value.newBuilder().setFloat32Tensor(t).build())
          .putLabel("values", io.kiln.channel.proto.RecordProtos.Value.newBuilder().setFloat32Tensor(
              io.kiln.channel.proto.RecordProtos.Float32Tensor.newBuilder().addValues(id)).build())
          .setMetadata("m".repeat(random.nextInt(random.nextInt(20) == 0 ? 3000 : 9)))
          .build().toByteArray();
      if (escapedFrame(out, data)) {
        multiPart[0]++;
      }
      expected.add(Row.dense(id, values));
    }
    return out.toByteArray();
  }

  /** dmlc-core's RecordIOWriter::WriteRecord; whether the record was cut into parts. */
  static boolean escapedFrame(java.io.ByteArrayOutputStream out, byte[] data) {
    int length = data.length;
    int from = 0;
    for (int i = 0; i + 4 <= (length & ~3); i += 4) {
      if (RecordIoProtobuf.littleEndian(data, i) == RecordIoProtobuf.MAGIC) {
        header(out, from == 0 ? 1 : 2, i - from);
        out.write(data, from, i - from);
        from = i + 4;
      }
    }
    header(out, from != 0 ? 3 : 0, length - from);
    out.write(data, from, length - from);
    out.write(new byte[(int) (RecordIoProtobuf.padded(length) - length)], 0,
        (int) (RecordIoProtobuf.padded(length) - length));
    return from != 0;
  }

  private static void header(java.io.ByteArrayOutputStream out, int flag, int length) {
    byte[] h = new byte[8];
    RecordIoProtobuf.littleEndian(h, 0, RecordIoProtobuf.MAGIC);
    RecordIoProtobuf.littleEndian(h, 4, flag << 29 | length);
    out.write(h, 0, 8);
  }

  private static void blankLines(Random random, StringBuilder text) {
    if (random.nextInt(12) == 0) {
      text.append(switch (random.nextInt(3)) {
        case 0 -> "\n";
        case 1 -> "\r\n";
        default -> " \t \n";
      });
    }
  }

  private static String pad(Random random) {
    return switch (random.nextInt(10)) {
      case 0 -> " ".repeat(random.nextInt(200));
      case 1, 2 -> " ";
      case 3 -> "\t";
      default -> "";
    };
  }

  private static String number(Random random) {
    return switch (random.nextInt(4)) {
      case 0 -> Integer.toString(random.nextInt(2000) - 1000);
      case 1 -> Float.toString((float) random.nextGaussian());
      case 2 -> String.format(Locale.ROOT, "%.3f", random.nextDouble() * 100);
      default -> (random.nextBoolean() ? "-" : "") + random.nextInt(100) + "." + random.nextInt(1_000_000) + "e"
          + (random.nextInt(9) - 4);
    };
  }
}
