package io.kiln.algorithms.vision.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageRecordIoTest {
  private static final String NAME = "s3://bucket/train/train.rec";
  private static final float MAGIC_AS_FLOAT = Float.intBitsToFloat(0xced7230a);

  /**
   * A RecordIO writer written from the format's description (dmlc-core recordio.h): the data is
   * split at every 4-byte aligned occurrence of the magic, which is left out; parts are flagged
   * 0 (whole), 1 (start), 2 (middle), 3 (end) in lrecord's top 3 bits; each part padded to 4 bytes.
   */
  static final class Writer {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final List<Integer> offsets = new ArrayList<>();
    int parts;

    void write(byte[] data) {
      offsets.add(out.size());
      List<int[]> pieces = new ArrayList<>(); // [start, end)
      int start = 0;
      for (int i = 0; i + 4 <= data.length; i += 4) {
        if ((data[i] & 0xff) == 0x0a && (data[i + 1] & 0xff) == 0x23 && (data[i + 2] & 0xff) == 0xd7
            && (data[i + 3] & 0xff) == 0xce) {
          pieces.add(new int[] {start, i});
          start = i + 4;
        }
      }
      pieces.add(new int[] {start, data.length});
      for (int p = 0; p < pieces.size(); p++) {
        int flag = pieces.size() == 1 ? 0 : (p == 0 ? 1 : (p == pieces.size() - 1 ? 3 : 2));
        int length = pieces.get(p)[1] - pieces.get(p)[0];
        ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xced7230a).putInt((flag << 29) | length);
        out.writeBytes(header.array());
        out.write(data, pieces.get(p)[0], length);
        out.writeBytes(new byte[(4 - length % 4) % 4]);
        parts++;
      }
    }

    /** MXNet's pack: IRHeader (flag, label, id, id2), then flag float labels when multi-label, then the image. */
    void writeImage(float[] labels, long id, byte[] image) {
      boolean multi = labels.length != 1;
      ByteBuffer b = ByteBuffer.allocate(24 + (multi ? 4 * labels.length : 0) + image.length).order(ByteOrder.LITTLE_ENDIAN);
      b.putInt(multi ? labels.length : 0).putFloat(multi ? 0f : labels[0]).putLong(id).putLong(0L);
      if (multi) {
        for (float label : labels) {
          b.putFloat(label);
        }
      }
      b.put(image);
      write(b.array());
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  private static List<ImageRecordIo.Record> readAll(byte[] file) {
    List<ImageRecordIo.Record> records = new ArrayList<>();
    ImageRecordIo reader = new ImageRecordIo(NAME, new ByteArrayInputStream(file));
    reader.forEachRemaining(records::add);
    return records;
  }

  private static void assertUserError(byte[] file, String... fragments) {
    assertThatThrownBy(() -> readAll(file)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(NAME).doesNotContain("\n");
      for (String fragment : fragments) {
        assertThat(e.getMessage()).contains(fragment);
      }
    });
  }

  @Test
  void readsSingleLabelRecordsWithOffsetsAndOddLengths() {
    Writer writer = new Writer();
    byte[] first = TestImages.png(TestImages.gray(5, 3, 1));
    byte[] second = {1, 2, 3}; // padding: 24 + 3 bytes
    writer.writeImage(new float[] {3f}, 10, first);
    writer.writeImage(new float[] {0f}, 11, second);
    List<ImageRecordIo.Record> records = readAll(writer.bytes());
    assertThat(records).hasSize(2);
    assertThat(records.get(0).labels()).containsExactly(3f);
    assertThat(records.get(0).id()).isEqualTo(10);
    assertThat(records.get(0).image()).isEqualTo(first);
    assertThat(records.get(0).offset()).isZero();
    assertThat(records.get(1).labels()).containsExactly(0f);
    assertThat(records.get(1).id()).isEqualTo(11);
    assertThat(records.get(1).image()).isEqualTo(second);
    assertThat(records.get(1).offset()).isEqualTo(writer.offsets.get(1).longValue());
    assertThat(records.get(1).displayName(NAME)).isEqualTo(NAME + " @ byte " + writer.offsets.get(1));
    assertThat(writer.parts).isEqualTo(2);
  }

  @Test
  void readsMultiLabelHeaders() {
    Writer writer = new Writer();
    byte[] image = {9, 8, 7, 6, 5};
    writer.writeImage(new float[] {1f, 0f, 1f, 0f, 0f}, 4, image);
    ImageRecordIo.Record record = readAll(writer.bytes()).get(0);
    assertThat(record.labels()).containsExactly(1f, 0f, 1f, 0f, 0f);
    assertThat(record.image()).isEqualTo(image);
    assertThat(record.id()).isEqualTo(4);
  }

  @Test
  void joinsRecordsSplitAtMagicNumbersInTheData() {
    Writer writer = new Writer();
    byte[] image = TestImages.png(TestImages.rgb(7, 6, 2));
    // labels equal to the magic's bits sit at aligned offsets 24 and 28: start, empty middle, end parts
    float[] labels = {MAGIC_AS_FLOAT, MAGIC_AS_FLOAT, 2f};
    writer.writeImage(labels, 1, image);
    writer.writeImage(new float[] {5f}, 2, new byte[] {1, 2});
    assertThat(writer.parts).isEqualTo(4);
    List<ImageRecordIo.Record> records = readAll(writer.bytes());
    assertThat(records).hasSize(2);
    assertThat(Float.floatToRawIntBits(records.get(0).labels()[0])).isEqualTo(0xced7230a);
    assertThat(Float.floatToRawIntBits(records.get(0).labels()[1])).isEqualTo(0xced7230a);
    assertThat(records.get(0).labels()[2]).isEqualTo(2f);
    assertThat(records.get(0).image()).isEqualTo(image);
    assertThat(records.get(1).offset()).isEqualTo(writer.offsets.get(1).longValue());
    assertThat(records.get(1).labels()).containsExactly(5f);
  }

  @Test
  void recordImagesDecodeAndBadOnesAreNamedByObjectAndOffset() {
    Writer writer = new Writer();
    java.awt.image.BufferedImage source = TestImages.gray(6, 6, 11);
    writer.writeImage(new float[] {1f}, 0, TestImages.png(source));
    byte[] png = TestImages.png(TestImages.gray(6, 6, 12));
    writer.writeImage(new float[] {0f}, 1, Arrays.copyOf(png, png.length / 2));
    List<ImageRecordIo.Record> records = readAll(writer.bytes());
    ImageDecoder decoder = new ImageDecoder(1, 6, 6, 0);
    DecodedImage first = decoder.decode(records.get(0).image(), records.get(0).displayName(NAME));
    assertThat(first.at(5, 5, 0)).isEqualTo(source.getRaster().getSample(5, 5, 0));
    ImageRecordIo.Record second = records.get(1);
    assertThatThrownBy(() -> decoder.decode(second.image(), second.displayName(NAME)))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.getMessage())
            .startsWith("image " + NAME + " @ byte " + writer.offsets.get(1) + " cannot be decoded as PNG"));
  }

  @Test
  void emptyObjectHasNoRecords() {
    assertThat(readAll(new byte[0])).isEmpty();
  }

  @Test
  void badMagicNamesTheByteOffset() {
    Writer writer = new Writer();
    writer.writeImage(new float[] {1f}, 0, new byte[] {1, 2, 3, 4});
    writer.writeImage(new float[] {1f}, 1, new byte[] {1, 2, 3, 4});
    byte[] file = writer.bytes();
    int second = writer.offsets.get(1);
    file[second] = 0x55;
    assertUserError(file, "no RecordIO magic number at byte " + second, "im2rec");
    assertUserError("0\t1\ta.jpg\n".getBytes(), "at byte 0");
  }

  @Test
  void truncatedRecordsNameTheByteOffset() {
    Writer writer = new Writer();
    writer.writeImage(new float[] {1f}, 0, new byte[40]);
    writer.writeImage(new float[] {1f}, 1, new byte[40]);
    byte[] file = writer.bytes();
    int second = writer.offsets.get(1);
    assertUserError(Arrays.copyOf(file, file.length - 10), "truncated", "part at byte " + second, "declares 64 bytes");
    assertUserError(Arrays.copyOf(file, second + 5), "truncated at byte " + second, "5 of 8 bytes");
    // the pad after an odd-length last part is part of the format
    Writer odd = new Writer();
    odd.writeImage(new float[] {1f}, 0, new byte[3]);
    byte[] oddFile = odd.bytes();
    assertUserError(Arrays.copyOf(oddFile, oddFile.length - 1), "declares 27 bytes (28 with padding)");
  }

  @Test
  void truncatedSplitRecordAndPartsOutOfOrder() {
    Writer writer = new Writer();
    writer.writeImage(new float[] {MAGIC_AS_FLOAT, 1f}, 0, new byte[] {1, 2, 3, 4});
    byte[] file = writer.bytes();
    // only the start part: 8-byte header + 24 bytes
    assertUserError(Arrays.copyOf(file, 32), "truncated at byte 32", "no end part");
    // the end part alone, without its start
    assertUserError(Arrays.copyOfRange(file, 32, file.length), "continuation flag 3 at byte 0", "where a record should start");
    // a whole record where the split record's next part should be
    Writer whole = new Writer();
    whole.writeImage(new float[] {1f}, 0, new byte[] {1});
    byte[] mixed = new byte[32 + whole.bytes().length];
    System.arraycopy(file, 0, mixed, 0, 32);
    System.arraycopy(whole.bytes(), 0, mixed, 32, whole.bytes().length);
    assertUserError(mixed, "continuation flag 0 at byte 32", "inside a record split in parts");
  }

  @Test
  void recordsShorterThanTheirHeader() {
    Writer writer = new Writer();
    writer.write(new byte[10]);
    assertUserError(writer.bytes(), "record at byte 0 has 10 bytes, fewer than MXNet's 24-byte image header");
    Writer many = new Writer();
    ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(3).putFloat(0).putLong(0).putLong(0).putFloat(1f);
    many.write(b.array());
    assertUserError(many.bytes(), "declares 3 labels", "only 4 bytes after its header");
  }
}
