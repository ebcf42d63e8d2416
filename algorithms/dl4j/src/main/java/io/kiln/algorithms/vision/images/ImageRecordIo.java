package io.kiln.algorithms.vision.images;

import io.kiln.spi.KilnException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Reads MXNet's image RecordIO ({@code application/x-recordio}, the {@code .rec} files that
 * {@code im2rec.py} writes) record by record from a stream, holding one record in memory.
 *
 * <p><b>Framing</b> (dmlc-core's {@code recordio.h} / {@code recordio.cc}): each part is
 * {@code uint32 magic = 0xced7230a}, {@code uint32 lrecord}, {@code length} data bytes, then zero
 * padding to a multiple of 4 bytes; all little-endian. {@code lrecord = cflag << 29 | length}.
 * {@code cflag} 0 is a whole record; a record whose data contains the magic at a 4-byte aligned
 * position is written in parts split at each such magic, which is dropped: 1 starts the record,
 * 2 continues it, 3 ends it, and the reader puts the magic back between consecutive parts.
 *
 * <p><b>Image record</b> (MXNet's {@code python/mxnet/recordio.py} {@code pack}/{@code unpack},
 * {@code IRHeader}): a 24-byte header {@code uint32 flag, float32 label, uint64 id, uint64 id2}; when
 * {@code flag > 0}, {@code flag} float32 labels follow the header and the header's {@code label} is
 * ignored; the rest is the encoded image (JPEG or PNG).
 *
 * <p>Errors (bad magic, a part out of order, a file that ends inside a part or inside a split
 * record, a record shorter than its header) are USER {@link KilnException}s naming the object and
 * the byte offset of the part or record at fault; a failing stream is INTERNAL.
 */
public final class ImageRecordIo implements Iterator<ImageRecordIo.Record>, Closeable {
  /** dmlc-core's RecordIO magic number, as a little-endian uint32. */
  public static final int MAGIC = 0xced7230a;
  /** Size of MXNet's IRHeader in bytes. */
  public static final int HEADER_BYTES = 24;
  private static final int LENGTH_MASK = (1 << 29) - 1;

  /**
   * One image record.
   *
   * @param labels the labels: {@code flag} values when the header's flag is positive, else the header's label
   * @param id the header's id (im2rec: the image's index in its list)
   * @param id2 the header's second id (0 as im2rec writes it)
   * @param image the encoded image bytes (JPEG or PNG)
   * @param offset the byte offset in the object of the record's first part (its magic number)
   */
  public record Record(float[] labels, long id, long id2, byte[] image, long offset) {
    /** The display name of this record's image for messages: {@code object @ byte offset}. */
    public String displayName(String objectName) {
      return objectName + " @ byte " + offset;
    }
  }

  private final String objectName;
  private final InputStream in;
  private final byte[] partHeader = new byte[8];
  private long position;
  private Record next;
  private boolean done;

  /**
   * @param objectName the object's display name for messages (e.g. its S3 URI)
   * @param in the object's bytes from its start; closed by {@link #close()}
   */
  public ImageRecordIo(String objectName, InputStream in) {
    this.objectName = objectName;
    this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
  }

  /** @throws KilnException USER when the next record is malformed */
  @Override
  public boolean hasNext() {
    if (next == null && !done) {
      next = readRecord();
      done = next == null;
    }
    return next != null;
  }

  /** @throws KilnException USER when the next record is malformed */
  @Override
  public Record next() {
    if (!hasNext()) {
      throw new NoSuchElementException("no more records in " + objectName);
    }
    Record record = next;
    next = null;
    return record;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private Record readRecord() {
    long recordOffset = position;
    ByteArrayOutputStream data = null;
    byte[] whole = null;
    while (true) {
      long partOffset = position;
      int got = readFully(partHeader, 0, 8);
      if (got == 0 && data == null) {
        return null;
      }
      if (got < 8) {
        throw KilnException.user("RecordIO object " + objectName + " is truncated at byte " + partOffset
            + ": " + (got == 0 ? "it ends inside a record split in parts (no end part)" : "the part header has "
            + got + " of 8 bytes") + "; re-create the .rec file (im2rec.py) and upload it completely");
      }
      ByteBuffer header = ByteBuffer.wrap(partHeader).order(ByteOrder.LITTLE_ENDIAN);
      int magic = header.getInt(0);
      if (magic != MAGIC) {
        throw KilnException.user(String.format("RecordIO object %s has no RecordIO magic number at byte %d"
            + " (found 0x%08x, expected 0xced7230a); the channel's content type application/x-recordio needs"
            + " MXNet RecordIO files (.rec, written by im2rec.py)", objectName, partOffset, magic));
      }
      int lrecord = header.getInt(4);
      int cflag = lrecord >>> 29;
      int length = lrecord & LENGTH_MASK;
      boolean first = data == null && whole == null;
      if (first ? !(cflag == 0 || cflag == 1) : !(cflag == 2 || cflag == 3)) {
        throw KilnException.user("RecordIO object " + objectName + " has a part with continuation flag " + cflag
            + " at byte " + partOffset + (first ? " where a record should start (flag 0 or 1)"
                : " inside a record split in parts (flag 2 or 3 expected)")
            + "; the file is corrupt: re-create it with im2rec.py");
      }
      int padded = (length + 3) & ~3;
      byte[] payload = new byte[padded];
      int read = readFully(payload, 0, padded);
      if (read < padded) {
        throw KilnException.user("RecordIO object " + objectName + " is truncated: the part at byte " + partOffset
            + " declares " + length + " bytes (" + padded + " with padding) but the object ends after " + read
            + "; re-create the .rec file and upload it completely");
      }
      if (cflag == 0) {
        whole = length == padded ? payload : java.util.Arrays.copyOf(payload, length);
        break;
      }
      if (data == null) {
        data = new ByteArrayOutputStream(Math.max(64, length * 2));
      }
      data.write(payload, 0, length);
      if (cflag == 3) {
        break;
      }
      data.write(MAGIC & 0xff);
      data.write((MAGIC >>> 8) & 0xff);
      data.write((MAGIC >>> 16) & 0xff);
      data.write(MAGIC >>> 24);
    }
    return imageRecord(whole != null ? whole : data.toByteArray(), recordOffset);
  }

  private Record imageRecord(byte[] bytes, long offset) {
    if (bytes.length < HEADER_BYTES) {
      throw KilnException.user("RecordIO object " + objectName + ": the record at byte " + offset + " has "
          + bytes.length + " bytes, fewer than MXNet's 24-byte image header (IRHeader); image RecordIO files"
          + " are written by im2rec.py or mxnet.recordio.pack_img");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long flag = Integer.toUnsignedLong(b.getInt(0));
    float label = b.getFloat(4);
    long id = b.getLong(8);
    long id2 = b.getLong(16);
    float[] labels;
    int imageStart = HEADER_BYTES;
    if (flag > 0) {
      if (flag > (bytes.length - HEADER_BYTES) / 4) {
        throw KilnException.user("RecordIO object " + objectName + ": the record at byte " + offset
            + " declares " + flag + " labels (IRHeader flag) but has only " + (bytes.length - HEADER_BYTES)
            + " bytes after its header; the file is corrupt: re-create it with im2rec.py");
      }
      labels = new float[(int) flag];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = b.getFloat(HEADER_BYTES + 4 * i);
      }
      imageStart += 4 * (int) flag;
    } else {
      labels = new float[] {label};
    }
    byte[] image = java.util.Arrays.copyOfRange(bytes, imageStart, bytes.length);
    return new Record(labels, id, id2, image, offset);
  }

  private int readFully(byte[] buffer, int offset, int length) {
    int total = 0;
    try {
      while (total < length) {
        int n = in.read(buffer, offset + total, length - total);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } catch (IOException e) {
      throw KilnException.internal("could not read RecordIO object " + objectName + " at byte "
          + (position + total) + ": " + e.getMessage(), e);
    }
    position += total;
    return total;
  }
}
