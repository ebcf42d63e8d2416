package io.kiln.channel;

import io.kiln.channel.proto.RecordProtos.Float32Tensor;
import io.kiln.channel.proto.RecordProtos.Record;
import io.kiln.channel.proto.RecordProtos.Value;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;

/**
 * SageMaker's RecordIO-protobuf ({@code application/x-recordio-protobuf}): the format's constants
 * and a {@link Writer}.
 *
 * <p>The framing is MXNet's RecordIO (dmlc-core's {@code recordio.h}): each record is a
 * little-endian uint32 magic number {@code 0xced7230a}, a little-endian uint32 whose upper 3 bits
 * are a continuation flag (0: a whole record; 1, 2, 3: the first, a middle and the last part of a
 * record cut where its data held the magic number at a 4-byte boundary, which the reader puts back
 * between the parts) and whose lower 29 bits are the length of the data that follows, then the data,
 * then zero bytes up to a multiple of 4. Each record's data is one {@code aialgs.data.Record}
 * protobuf ({@code src/main/proto/aialgs_record.proto}): features in {@code features["values"]},
 * the label in {@code label["values"]}.
 */
public final class RecordIoProtobuf {
  /** The magic number that starts every RecordIO header, as a little-endian uint32. */
  public static final int MAGIC = 0xced7230a;
  /** The magic number as written in messages. */
  static final String MAGIC_HEX = "0xced7230a";
  /** The largest length a header can state (29 bits). */
  public static final int MAX_RECORD_BYTES = (1 << 29) - 1;
  /** The features' and the label's key in a record's maps, as SageMaker's algorithms read them. */
  public static final String VALUES = "values";

  private RecordIoProtobuf() {}

  /** The continuation flag of a header's second word. */
  static int flag(int lengthWord) {
    return lengthWord >>> 29;
  }

  /** The data length of a header's second word. */
  static int length(int lengthWord) {
    return lengthWord & MAX_RECORD_BYTES;
  }

  /** {@code length} rounded up to a multiple of 4: the data and its padding. */
  static long padded(long length) {
    return (length + 3) & ~3L;
  }

  /**
   * Writes RecordIO-protobuf records to a stream, as the SageMaker Python SDK's
   * {@code write_numpy_to_dense_tensor} and {@code write_spmatrix_to_sparse_tensor} do: float32
   * tensors, each record whole (continuation flag 0, as the SDK writes, so its reader and the
   * SageMaker containers' read Kiln's output), padded to 4 bytes. Closing the writer closes the
   * stream. Not thread-safe.
   */
  public static final class Writer implements Closeable, Flushable {
    private final OutputStream out;
    private final byte[] header = new byte[8];
    private long records;

    /** Writes to {@code out}, which the caller may wrap in a buffer; closed with the writer. */
    public Writer(OutputStream out) {
      this.out = Objects.requireNonNull(out, "out");
    }

    /**
     * Writes a dense record: {@code features} as {@code features["values"]}, and {@code label}, when
     * not null, as {@code label["values"]} with one value.
     *
     * @return this writer
     * @throws IOException from the stream
     */
    public Writer dense(float[] features, Float label) throws IOException {
      Record.Builder r = Record.newBuilder().putFeatures(VALUES, float32(features, null, null));
      if (label != null) {
        r.putLabel(VALUES, float32(new float[] {label}, null, null));
      }
      return write(r.build());
    }

    /**
     * Writes a sparse record of {@code dimension} features, of which {@code values[i]} is at
     * zero-based index {@code indices[i]}: keys, values and shape {@code [dimension]} in
     * {@code features["values"]}; {@code label}, when not null, as {@code label["values"]}.
     *
     * @return this writer
     * @throws IllegalArgumentException when the arrays differ in length, or an index is negative,
     *     not below {@code dimension} or not larger than the one before it
     * @throws IOException from the stream
     */
    public Writer sparse(long dimension, int[] indices, float[] values, Float label) throws IOException {
      if (indices.length != values.length) {
        throw new IllegalArgumentException(indices.length + " indices for " + values.length + " values");
      }
      for (int i = 0; i < indices.length; i++) {
        if (indices[i] < 0 || indices[i] >= dimension || (i > 0 && indices[i] <= indices[i - 1])) {
          throw new IllegalArgumentException("index " + indices[i] + " at position " + i + " is not increasing "
              + "within [0, " + dimension + ")");
        }
      }
      Record.Builder r = Record.newBuilder().putFeatures(VALUES, float32(values, indices, dimension));
      if (label != null) {
        r.putLabel(VALUES, float32(new float[] {label}, null, null));
      }
      return write(r.build());
    }

    /**
     * Writes a record of dense float32 tensors under the given keys, e.g. predictions as SageMaker's
     * built-ins return them ({@code label: {"score": [0.8], "predicted_label": [1]}}).
     *
     * @param features tensors by key (may be empty)
     * @param label tensors by key (may be empty)
     * @return this writer
     * @throws IOException from the stream
     */
    public Writer tensors(Map<String, float[]> features, Map<String, float[]> label) throws IOException {
      Record.Builder r = Record.newBuilder();
      features.forEach((k, v) -> r.putFeatures(k, float32(v, null, null)));
      label.forEach((k, v) -> r.putLabel(k, float32(v, null, null)));
      return write(r.build());
    }

    /**
     * Writes any record, e.g. one with float64 or int32 tensors.
     *
     * @return this writer
     * @throws IOException from the stream
     */
    public Writer write(Record record) throws IOException {
      return frame(record.toByteArray());
    }

    /**
     * Writes {@code data} as one RecordIO record: the header (continuation flag 0), the data, and
     * zero padding to a multiple of 4 bytes.
     *
     * @return this writer
     * @throws IllegalArgumentException for data longer than {@link #MAX_RECORD_BYTES}
     * @throws IOException from the stream
     */
    public Writer frame(byte[] data) throws IOException {
      if (data.length > MAX_RECORD_BYTES) {
        throw new IllegalArgumentException("a RecordIO record holds at most " + MAX_RECORD_BYTES + " bytes, not "
            + data.length);
      }
      littleEndian(header, 0, MAGIC);
      littleEndian(header, 4, data.length);
      out.write(header);
      out.write(data);
      int pad = (int) (padded(data.length) - data.length);
      if (pad > 0) {
        out.write(new byte[pad]);
      }
      records++;
      return this;
    }

    /** Records written so far. */
    public long records() {
      return records;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }

  private static Value float32(float[] values, int[] keys, Long dimension) {
    Float32Tensor.Builder t = Float32Tensor.newBuilder();
    for (float v : values) {
      t.addValues(v);
    }
    if (keys != null) {
      for (int k : keys) {
        t.addKeys(k);
      }
      t.addShape(dimension);
    }
    return Value.newBuilder().setFloat32Tensor(t).build();
  }

  static void littleEndian(byte[] b, int at, int v) {
    b[at] = (byte) v;
    b[at + 1] = (byte) (v >>> 8);
    b[at + 2] = (byte) (v >>> 16);
    b[at + 3] = (byte) (v >>> 24);
  }

  static int littleEndian(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
  }
}
