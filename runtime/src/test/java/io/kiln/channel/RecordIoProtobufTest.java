package io.kiln.channel;

import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.channel.InputSplit.Unit;
import io.kiln.channel.LocalChannel.Row;
import io.kiln.channel.proto.RecordProtos.Float32Tensor;
import io.kiln.channel.proto.RecordProtos.Float64Tensor;
import io.kiln.channel.proto.RecordProtos.Int32Tensor;
import io.kiln.channel.proto.RecordProtos.Record;
import io.kiln.channel.proto.RecordProtos.Value;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RecordIO-protobuf channels: bytes derived by hand from the format's definition decode to the
 * expected rows (and are what Kiln's writer writes), round trips of dense and sparse records of
 * every tensor type, every cut of an object between two workers, and bad data reported with the
 * object, record and byte offset.
 */
class RecordIoProtobufTest {
  private static final ContentType RECORDIO = ContentType.RECORDIO_PROTOBUF;
  /** The float whose little-endian bytes are the RecordIO magic number. */
  private static final float F_MAGIC = Float.intBitsToFloat(0xced7230a);

  @TempDir Path dir;

  // ---- hand-checked bytes -------------------------------------------------------------------
  //
  // RecordIO header: magic 0xced7230a as a little-endian uint32 (0a 23 d7 ce), then a little-endian
  // uint32 of (continuation flag << 29 | data length), the data, zero padding to 4 bytes.
  // Protobuf (aialgs.data.Record): a tag byte is (field number << 3 | wire type), wire type 2 (length
  // delimited) for messages, strings and packed repeated fields; lengths are varints (< 128: one byte).
  //   Record.features = 1 -> 0a, Record.label = 2 -> 12; a map entry: key = 1 -> 0a, value = 2 -> 12;
  //   Value.float32_tensor = 2 -> 12, float64_tensor = 3 -> 1a, int32_tensor = 7 -> 3a;
  //   Tensor.values = 1 -> 0a, keys = 2 -> 12, shape = 3 -> 1a, each packed.
  //   "values" = 76 61 6c 75 65 73 (6 bytes); 1.5f = 0x3fc00000, -2f = 0xc0000000, 1f = 0x3f800000,
  //   3f = 0x40400000 (little-endian below); 0.25 = 0x3fd0000000000000, -4.0 = 0xc010000000000000.

  /** Record 0: features float32 [1.5, -2], label float32 [1]; 44 bytes of data, no padding. */
  static final String DENSE_0 = """
      0a 23 d7 ce  2c 00 00 00
      0a 16  0a 06 76 61 6c 75 65 73  12 0c  12 0a  0a 08 00 00 c0 3f 00 00 00 c0
      12 12  0a 06 76 61 6c 75 65 73  12 08  12 06  0a 04 00 00 80 3f
      """;
  /**
   * Record 1 (at byte 52): features float64 [0.25, -4], label int32 [7]; 49 bytes of data (0x31),
   * 3 bytes of padding.
   */
  static final String DENSE_1 = """
      0a 23 d7 ce  31 00 00 00
      0a 1e  0a 06 76 61 6c 75 65 73  12 14  1a 12  0a 10 00 00 00 00 00 00 d0 3f 00 00 00 00 00 00 10 c0
      12 0f  0a 06 76 61 6c 75 65 73  12 05  3a 03  0a 01 07
      00 00 00
      """;
  /**
   * Sparse record 0: features float32 values [3] keys [2] shape [4], label [0]; 46 bytes (0x2e),
   * 2 bytes of padding.
   */
  static final String SPARSE_0 = """
      0a 23 d7 ce  2e 00 00 00
      0a 18  0a 06 76 61 6c 75 65 73  12 0e  12 0c  0a 04 00 00 40 40  12 01 02  1a 01 04
      12 12  0a 06 76 61 6c 75 65 73  12 08  12 06  0a 04 00 00 00 00
      00 00
      """;
  /**
   * Sparse record 1 (at byte 56) as dmlc-core writes it: its 51 bytes of data (features values
   * [F_MAGIC, 1] keys [0, 3] shape [4], label [1]) hold the magic at data offset 16, so it is cut
   * there into part 1 (flag 1, 16 bytes: 10 00 00 20) and part 2 (flag 3, the 31 bytes after the
   * magic: 1f 00 00 60, then 1 byte of padding); the reader puts the magic back between them.
   */
  static final String SPARSE_1_ESCAPED = """
      0a 23 d7 ce  10 00 00 20
      0a 1d  0a 06 76 61 6c 75 65 73  12 13  12 11  0a 08
      0a 23 d7 ce  1f 00 00 60
      00 00 80 3f  12 02 00 03  1a 01 04
      12 12  0a 06 76 61 6c 75 65 73  12 08  12 06  0a 04 00 00 80 3f
      00
      """;
  /** The same record as the SageMaker SDK writes it: whole (flag 0, 51 bytes), the magic left in at byte 80. */
  static final String SPARSE_1_UNESCAPED = """
      0a 23 d7 ce  33 00 00 00
      0a 1d  0a 06 76 61 6c 75 65 73  12 13  12 11  0a 08  0a 23 d7 ce
      00 00 80 3f  12 02 00 03  1a 01 04
      12 12  0a 06 76 61 6c 75 65 73  12 08  12 06  0a 04 00 00 80 3f
      00
      """;

  static byte[] hex(String... parts) {
    return HexFormat.of().parseHex(String.join("", parts).replaceAll("\\s", ""));
  }

  @Test
  void handDerivedDenseBytesDecodeToTheirRows() {
    byte[] bytes = hex(DENSE_0, DENSE_1);
    assertThat(bytes).hasSize(112);

    LabeledData data = readObject("dense.rec", bytes, ReadOptions.DEFAULT);

    assertThat(data.isDense()).isTrue();
    assertThat(data.columns()).isEqualTo(2);
    assertThat(rows(data)).containsExactly(Row.dense(1f, 1.5f, -2f), Row.dense(7f, 0.25f, -4f));
  }

  @Test
  void handDerivedSparseBytesWithAMultiPartRecordDecodeToTheirRows() {
    byte[] bytes = hex(SPARSE_0, SPARSE_1_ESCAPED);
    assertThat(bytes).hasSize(120);

    LabeledData data = readObject("sparse.rec", bytes, ReadOptions.DEFAULT);

    assertThat(data.isDense()).isFalse();
    assertThat(data.columns()).isEqualTo(4);
    assertThat(rows(data)).containsExactly(
        Row.sparse(0f, 1f, new int[] {2}, new float[] {3f}),
        Row.sparse(1f, 1f, new int[] {0, 3}, new float[] {F_MAGIC, 1f}));
    // the SDK's unescaped form of the same record reads the same
    assertThat(rows(readObject("sparse-sdk.rec", hex(SPARSE_0, SPARSE_1_UNESCAPED), ReadOptions.DEFAULT)))
        .isEqualTo(rows(data));
  }

  @Test
  void theWriterWritesTheHandDerivedBytes() throws IOException {
    ByteArrayOutputStream dense = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(dense)) {
      w.dense(new float[] {1.5f, -2f}, 1f);
      w.write(Record.newBuilder()
          .putFeatures("values", Value.newBuilder().setFloat64Tensor(Float64Tensor.newBuilder()
              .addValues(0.25).addValues(-4.0)).build())
          .putLabel("values", Value.newBuilder().setInt32Tensor(Int32Tensor.newBuilder().addValues(7)).build())
          .build());
      assertThat(w.records()).isEqualTo(2);
    }
    ByteArrayOutputStream sparse = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(sparse)) {
      w.sparse(4, new int[] {2}, new float[] {3f}, 0f).sparse(4, new int[] {0, 3}, new float[] {F_MAGIC, 1f}, 1f);
    }

    assertThat(dense.toByteArray()).isEqualTo(hex(DENSE_0, DENSE_1));
    assertThat(sparse.toByteArray()).isEqualTo(hex(SPARSE_0, SPARSE_1_UNESCAPED));
  }

  @Test
  void writerRefusesWhatTheFormatCannotHold() {
    RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(new ByteArrayOutputStream());
    assertThatThrownBy(() -> w.sparse(4, new int[] {1, 1}, new float[] {1, 2}, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index 1 at position 1");
    assertThatThrownBy(() -> w.sparse(4, new int[] {4}, new float[] {1}, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> w.sparse(4, new int[] {1}, new float[] {1, 2}, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("1 indices for 2 values");
  }

  // ---- round trips ----------------------------------------------------------------------------

  @Test
  void denseRecordsOfEveryTensorTypeRoundTripWithAndWithoutLabels() throws IOException {
    Random random = new Random(1);
    List<Row> expected = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (int r = 0; r < 500; r++) {
        float[] f = new float[5];
        Value.Builder features = Value.newBuilder();
        switch (r % 3) {
          case 0 -> {
            for (int c = 0; c < 5; c++) {
              f[c] = (float) random.nextGaussian();
            }
            features.setFloat32Tensor(float32(f));
          }
          case 1 -> {
            Float64Tensor.Builder t = Float64Tensor.newBuilder();
            for (int c = 0; c < 5; c++) {
              double d = random.nextGaussian() * 1e3;
              t.addValues(d);
              f[c] = (float) d;
            }
            features.setFloat64Tensor(t);
          }
          default -> {
            Int32Tensor.Builder t = Int32Tensor.newBuilder();
            for (int c = 0; c < 5; c++) {
              int i = random.nextInt(2_000_001) - 1_000_000;
              t.addValues(i);
              f[c] = i;
            }
            features.setInt32Tensor(t);
          }
        }
        float label = random.nextInt(3);
        w.write(Record.newBuilder().putFeatures("values", features.build())
            .putLabel("values", Value.newBuilder().setFloat32Tensor(float32(new float[] {label})).build())
            .setUid("row-" + r).build());
        expected.add(Row.dense(label, f));
      }
    }

    LabeledData labelled = readObject("dense.rec", bytes.toByteArray(), ReadOptions.DEFAULT);
    LabeledData unlabelled = readObject("dense.rec", bytes.toByteArray(), ReadOptions.unlabelled());

    assertThat(rows(labelled)).isEqualTo(expected);
    assertThat(unlabelled.labels()).isNull();
    assertThat(unlabelled.columns()).isEqualTo(5);
    assertThat(Arrays.copyOf(unlabelled.dense(), 2500)).isEqualTo(Arrays.copyOf(labelled.dense(), 2500));
  }

  @Test
  void sparseRecordsRoundTripIncludingEmptyRowsAndUnsortedKeys() throws IOException {
    Random random = new Random(2);
    List<Row> expected = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (int r = 0; r < 400; r++) {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          if (random.nextInt(100) < (r % 7)) {
            indices.add(i);
          }
        }
        int[] idx = indices.stream().mapToInt(Integer::intValue).toArray();
        float[] v = new float[idx.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = random.nextFloat() * 10 - 5;
        }
        w.sparse(1000, idx, v, (float) r);
        expected.add(Row.sparse(r, 1f, idx, v));
      }
      // keys out of order (scipy can leave a CSR row so), read in order
      w.write(Record.newBuilder().putFeatures("values", Value.newBuilder().setFloat32Tensor(Float32Tensor.newBuilder()
          .addValues(5f).addValues(3f).addValues(9f).addKeys(5).addKeys(3).addKeys(999).addShape(1000)).build())
          .putLabel("values", Value.newBuilder().setFloat32Tensor(float32(new float[] {400})).build()).build());
      expected.add(Row.sparse(400, 1f, new int[] {3, 5, 999}, new float[] {3f, 5f, 9f}));
    }

    LabeledData data = readObject("sparse.rec", bytes.toByteArray(), ReadOptions.DEFAULT);

    assertThat(data.isDense()).isFalse();
    assertThat(data.columns()).as("the shape, not the largest key").isEqualTo(1000);
    assertThat(rows(data)).isEqualTo(expected);
    assertThat(expected.get(0).indices()).as("a record with no entries").isEmpty();
  }

  @Test
  void predictionsWrittenAsLabelTensorsRoundTripThroughTheGeneratedClasses() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      w.tensors(Map.of(), Map.of("score", new float[] {0.75f}, "predicted_label", new float[] {1f}));
    }
    byte[] b = bytes.toByteArray();
    int length = RecordIoProtobuf.littleEndian(b, 4);

    assertThat(RecordIoProtobuf.littleEndian(b, 0)).isEqualTo(RecordIoProtobuf.MAGIC);
    assertThat(b.length).isEqualTo(8 + (int) RecordIoProtobuf.padded(length));
    Record r = Record.parser().parseFrom(b, 8, length);
    assertThat(r.getFeaturesCount()).isZero();
    assertThat(r.getLabelMap().get("score").getFloat32Tensor().getValuesList()).containsExactly(0.75f);
    assertThat(r.getLabelMap().get("predicted_label").getFloat32Tensor().getValuesList()).containsExactly(1f);
  }

  // ---- sharing an object between workers ------------------------------------------------------

  @Test
  void everyCutOfAnObjectIntoTwoSplitsReadsEveryRecordOnce() throws IOException {
    byte[] handMade = hex(SPARSE_0, SPARSE_1_ESCAPED, SPARSE_0);
    ByteArrayOutputStream written = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(written)) {
      for (int r = 0; r < 9; r++) {
        float[] f = new float[3];
        Arrays.fill(f, r);
        // metadata of growing length: records of different lengths and padding
        w.write(Record.newBuilder().putFeatures("values", Value.newBuilder().setFloat32Tensor(float32(f)).build())
            .setMetadata("x".repeat(r)).build());
      }
    }
    for (byte[] bytes : List.of(handMade, written.toByteArray())) {
      Path file = write(dir.resolve("cut-" + bytes.length + ".rec"), bytes);
      List<Row> all = rowsOf(List.of(split(file, 0, bytes.length, bytes.length)), ReadOptions.unlabelled());
      assertThat(all).hasSize(bytes == handMade ? 3 : 9);
      // every byte of the hand-made object; every third of the other (3 and 4 coprime: every alignment)
      for (int cut = 0; cut <= bytes.length; cut += bytes == handMade ? 1 : 3) {
        List<Row> first = rowsOf(List.of(split(file, 0, cut, bytes.length)), ReadOptions.unlabelled());
        List<Row> second = rowsOf(List.of(split(file, cut, bytes.length, bytes.length)), ReadOptions.unlabelled());
        List<Row> both = new ArrayList<>(first);
        both.addAll(second);
        assertThat(both).as("cut at byte %d of %d", cut, bytes.length).isEqualTo(all);
      }
    }
  }

  @Test
  void aRecordHoldingTheMagicWhereTheNextWorkerSearchesFailsInsteadOfBeingReadTwice() {
    byte[] bytes = hex(SPARSE_0, SPARSE_1_UNESCAPED);
    Path file = write(dir.resolve("sdk.rec"), bytes);
    List<Row> all = rowsOf(List.of(split(file, 0, bytes.length, bytes.length)), ReadOptions.DEFAULT);

    for (int cut = 0; cut <= bytes.length; cut++) {
      List<InputSplit> first = List.of(split(file, 0, cut, bytes.length));
      List<InputSplit> second = List.of(split(file, cut, bytes.length, bytes.length));
      if (cut > 56 && cut <= 80) {
        // record 1 starts at 56 (the first worker's) and holds the magic at 80, followed by 00 00 80 3f
        // (flag 1): the second worker, searching from the cut, would take byte 80 for a record's start
        assertThat(userError(() -> rowsOf(first, ReadOptions.DEFAULT)))
            .as("cut at %d", cut)
            .hasMessage("Channel 'train': " + uri(file) + " record 1 (counting from 0) at byte offset 56: the record "
                + "holds RecordIO's magic number at byte offset 80, where the worker that reads the object from byte "
                + cut + " on would take it for the start of a record; its writer did not escape the magic number. "
                + "Rewrite the object with a writer that escapes it (MXNet's or dmlc-core's RecordIO writer), or "
                + "train with another number of workers or with the data in more objects, so that no worker starts "
                + "there");
      } else {
        List<Row> both = new ArrayList<>(rowsOf(first, ReadOptions.DEFAULT));
        both.addAll(rowsOf(second, ReadOptions.DEFAULT));
        assertThat(both).as("cut at %d", cut).isEqualTo(all);
      }
    }
  }

  @Test
  void gzipObjectsAreReadWhole() {
    byte[] bytes = hex(DENSE_0, DENSE_1);
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (var out = new java.util.zip.GZIPOutputStream(gz)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    write(dir.resolve("gz/part-0.rec.gz"), gz.toByteArray());
    ChannelData channel = list("train", uri(dir) + "/gz/", RECORDIO);

    assertThat(rows(read("train", RECORDIO, plan(channel, 1).get(0), ReadOptions.DEFAULT)))
        .containsExactly(Row.dense(1f, 1.5f, -2f), Row.dense(7f, 0.25f, -4f));
  }

  // ---- bad data ---------------------------------------------------------------------------------

  @Test
  void aWrongMagicNumberNamesTheObjectRecordAndOffset() {
    byte[] bytes = hex(DENSE_0, "0b 23 d7 ce 04 00 00 00 00 00 00 00");
    String file = uri(write(dir.resolve("bad/magic.rec"), bytes));

    assertThat(userError(() -> readObject("bad/magic.rec", bytes, ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + file + " record 1 (counting from 0) at byte offset 52: found 0xced7230b at "
            + "byte offset 52 where a RecordIO header's magic number 0xced7230a must be: the object is not "
            + "RecordIO-protobuf data (check the channel's ContentType) or is corrupt from there on");
  }

  @Test
  void csvReadAsRecordIoIsRefusedAtItsFirstByte() {
    assertThat(userError(() -> readObject("data.csv", "1,2,3\n4,5,6\n".getBytes(), ReadOptions.DEFAULT)))
        .hasMessageEndingWith("data.csv record 0 (counting from 0) at byte offset 0: found 0x2c322c31 at byte offset "
            + "0 where a RecordIO header's magic number 0xced7230a must be: the object is not RecordIO-protobuf data "
            + "(check the channel's ContentType) or is corrupt from there on");
  }

  @Test
  void truncatedRecordsAndHeadersAreNamed() {
    byte[] both = hex(DENSE_0, DENSE_1);
    assertThat(userError(() -> readObject("t1.rec", Arrays.copyOf(both, 30), ReadOptions.DEFAULT)))
        .hasMessageEndingWith("t1.rec record 0 (counting from 0) at byte offset 0: the record is truncated: its "
            + "header at byte offset 0 states 44 bytes of data, but the object ends after 22; replace the object "
            + "with a complete copy");
    assertThat(userError(() -> readObject("t2.rec", Arrays.copyOf(both, 56), ReadOptions.DEFAULT)))
        .hasMessageEndingWith("t2.rec record 1 (counting from 0) at byte offset 52: the object ends 4 byte(s) into "
            + "the record's 8-byte header; replace the object with a complete copy");
    byte[] escaped = hex(SPARSE_0, SPARSE_1_ESCAPED);
    assertThat(userError(() -> readObject("t3.rec", Arrays.copyOf(escaped, 82), ReadOptions.DEFAULT)))
        .hasMessageEndingWith("t3.rec record 1 (counting from 0) at byte offset 56: the object ends inside part 2 of "
            + "the record's header at byte offset 80; replace the object with a complete copy");
    // the data is complete, only the final padding is missing: read, as the data is all there
    assertThat(rows(readObject("t4.rec", Arrays.copyOf(both, 109), ReadOptions.DEFAULT))).hasSize(2);
  }

  @Test
  void dataThatIsNotARecordProtobufIsNamed() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      w.dense(new float[] {1, 2}, 0f).frame(hex("0a ff ff ff ff ff"));
    }

    assertThat(userError(() -> readObject("junk.rec", bytes.toByteArray(), ReadOptions.DEFAULT)))
        .hasMessageMatching("Channel 'train': file:.*/junk\\.rec record 1 \\(counting from 0\\) at byte offset 52: "
            + "the record's 6 bytes are not an aialgs\\.data\\.Record protobuf \\(.+\\); write records with the "
            + "SageMaker SDK's write_numpy_to_dense_tensor or write_spmatrix_to_sparse_tensor");
  }

  @Test
  void anErrorInAWorkerThatStartsMidObjectStillNamesTheRecordIndex() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (int r = 0; r < 40; r++) {
        w.dense(new float[] {r, r}, 1f);
      }
      w.dense(new float[] {1, 2, 3}, 1f);
    }
    byte[] b = bytes.toByteArray();
    Path file = write(dir.resolve("mid.rec"), b);

    assertThat(userError(() -> rowsOf(List.of(split(file, b.length / 2, b.length, b.length)), ReadOptions.DEFAULT)))
        .hasMessage("Channel 'train': " + uri(file) + " record 40 (counting from 0) at byte offset 2080: the record "
            + "has 3 features but the channel's first record has 2; every record needs the same number of features");
  }

  @Test
  void recordsThatDoNotFitTheChannelAreRefused() {
    assertThat(error(record(float32(new float[] {1}), null), record(sparse(new float[] {1}, new long[] {0}, 3), null)))
        .endsWith("record 1 (counting from 0) at byte offset 28: the record is sparse (its tensor has keys) but the "
            + "channel's first record is dense; write every record of a channel the same way");
    assertThat(error(record(sparse(new float[] {1}, new long[] {0}, 3), null),
        record(sparse(new float[] {1}, new long[] {0}, 4), null)))
        .endsWith("record 1 (counting from 0) at byte offset 36: the record has 4 features (its shape) but the "
            + "channel's first record has 3; every record needs the same number of features");
    assertThat(error(record(sparse(new float[] {1}, new long[] {0}, -1), null)))
        .endsWith("record 0 (counting from 0) at byte offset 0: features[\"values\"] is sparse (it has keys) but "
            + "gives no shape; write the feature dimension as the tensor's shape, as the SageMaker SDK's "
            + "write_spmatrix_to_sparse_tensor does");
    assertThat(error(record(sparse(new float[] {1, 2}, new long[] {0, 3}, 3), null)))
        .endsWith("features[\"values\"] has key 3, outside its shape [3]; keys are zero-based indices below the "
            + "dimension");
    assertThat(error(record(sparse(new float[] {1, 2}, new long[] {1, 1}, 3), null)))
        .endsWith("features[\"values\"] has key 1 twice; each index holds one value");
    assertThat(error(record(sparse(new float[] {1, 2}, new long[] {1}, 3), null)))
        .endsWith("features[\"values\"] has 1 keys for 2 values; a sparse tensor has one key (index) per value");
    assertThat(error(record(sparse(new float[] {1}, new long[] {-1}, 3), null)))
        .endsWith("features[\"values\"] has key 18446744073709551615, outside its shape [3]; keys are zero-based "
            + "indices below the dimension");
    assertThat(error(Record.newBuilder().putFeatures("x", Value.newBuilder().setFloat32Tensor(float32(new float[] {1}))
        .build()).build()))
        .endsWith("the record has no features[\"values\"] tensor (it has [x]); SageMaker's algorithms read the features "
            + "from the key \"values\"");
    assertThat(error(record(Float32Tensor.newBuilder().addValues(1).addValues(2).addShape(3), null)))
        .endsWith("features[\"values\"] has 2 values but its shape [3] holds 3; a dense tensor's shape must hold all "
            + "of its values");
    assertThat(error(record(Float32Tensor.newBuilder(), null)))
        .endsWith("features[\"values\"] holds no values and no shape; a dense row needs its feature values, a sparse "
            + "one its shape");
    assertThat(error(Record.newBuilder().putFeatures("values", Value.newBuilder().setBytes(
        io.kiln.channel.proto.RecordProtos.Bytes.newBuilder().setContentType("image/png")).build()).build()))
        .endsWith("features[\"values\"] holds bytes, not a numeric tensor; Kiln reads float32, float64 or int32 "
            + "tensors");
  }

  @Test
  void labelsAreOneValueUnderValuesUnlessTheChannelHasNone() {
    Record noLabel = record(float32(new float[] {1, 2}), null);
    assertThat(labelError(noLabel)).endsWith("record 0 (counting from 0) at byte offset 0: the record has no "
        + "label[\"values\"] tensor; write each record's label there, or give the channel ContentType "
        + "application/x-recordio-protobuf;label_size=0 when the records have no labels");
    assertThat(labelError(record(float32(new float[] {1, 2}), float32(new float[] {1, 2}))))
        .endsWith("label[\"values\"] has 2 values; Kiln reads one label per record (label_size 1)");
    // label_size=0: a label, if any, is ignored
    assertThat(rows(readObject("nl.rec", frame(noLabel, record(float32(new float[] {3, 4}), float32(new float[] {9}))),
        ReadOptions.unlabelled())))
        .containsExactly(Row.dense(Float.NaN, 1, 2), Row.dense(Float.NaN, 3, 4));
  }

  // ---- helpers -------------------------------------------------------------------------------------

  private LabeledData readObject(String name, byte[] bytes, ReadOptions options) {
    Path file = write(dir.resolve(name), bytes);
    return read("train", RECORDIO, List.of(split(file, 0, bytes.length, bytes.length)), options);
  }

  private static List<Row> rowsOf(List<InputSplit> splits, ReadOptions options) {
    return rows(read("train", RECORDIO, splits, options));
  }

  /** The message of the USER error reading these records without labels gives. */
  private String error(Record... records) {
    return userError(() -> readObject("e.rec", frame(records), ReadOptions.unlabelled())).getMessage();
  }

  /** The message of the USER error reading these records with labels gives. */
  private String labelError(Record... records) {
    return userError(() -> readObject("e.rec", frame(records), ReadOptions.DEFAULT)).getMessage();
  }

  private static byte[] frame(Record... records) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (RecordIoProtobuf.Writer w = new RecordIoProtobuf.Writer(bytes)) {
      for (Record r : records) {
        w.write(r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static Record record(Float32Tensor.Builder features, Float32Tensor.Builder label) {
    Record.Builder r = Record.newBuilder().putFeatures("values", Value.newBuilder().setFloat32Tensor(features).build());
    if (label != null) {
      r.putLabel("values", Value.newBuilder().setFloat32Tensor(label).build());
    }
    return r.build();
  }

  private static Float32Tensor.Builder float32(float[] values) {
    Float32Tensor.Builder t = Float32Tensor.newBuilder();
    for (float v : values) {
      t.addValues(v);
    }
    return t;
  }

  /** A sparse float32 tensor; no shape when {@code dimension} is negative. */
  private static Float32Tensor.Builder sparse(float[] values, long[] keys, long dimension) {
    Float32Tensor.Builder t = float32(values);
    for (long k : keys) {
      t.addKeys(k);
    }
    if (dimension >= 0) {
      t.addShape(dimension);
    }
    return t;
  }

  private static InputSplit split(Path file, long start, long end, long size) {
    return new InputSplit(uri(file), start, end, size, Unit.BYTES, false);
  }
}
