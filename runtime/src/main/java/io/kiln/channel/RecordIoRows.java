package io.kiln.channel;

import static io.kiln.channel.RecordIoProtobuf.VALUES;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kiln.channel.proto.RecordProtos.Float32Tensor;
import io.kiln.channel.proto.RecordProtos.Float64Tensor;
import io.kiln.channel.proto.RecordProtos.Int32Tensor;
import io.kiln.channel.proto.RecordProtos.Record;
import io.kiln.channel.proto.RecordProtos.Value;
import io.kiln.spi.LabeledData;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns RecordIO-protobuf records into rows, as SageMaker's algorithms read them: the features are
 * {@code features["values"]}, a float32, float64 or int32 tensor (the latter two converted to
 * float); the label is the one value of {@code label["values"]}. A tensor with keys is a sparse row
 * (CSR): {@code values[i]} at zero-based index {@code keys[i]}, the row's dimension the product of
 * its {@code shape}, which a sparse record must give; a tensor without keys is a dense row of its
 * values (a shape, when given, must hold as many). A record with an empty tensor and a shape is an
 * all-absent sparse row.
 *
 * <p>The first record decides whether the rows are dense or sparse and their width; a later record
 * that differs in either is refused (one matrix has one width). Other feature or label keys, and a
 * record's uid, metadata and configuration, are ignored, as SageMaker's algorithms ignore them.
 */
final class RecordIoRows implements RecordIoSplitReader.RecordHandler {
  private final boolean labelled;
  private LabeledDataBuilder out;
  private boolean sparse;
  /** The rows' width: a dense row's value count or a sparse row's shape; -1 before the first record. */
  private long width = -1;
  private float[] values = new float[64];
  private long[] keys = new long[64];

  /** @param labelled whether each record must have a label ({@code label_size} 1), else labels are ignored */
  RecordIoRows(boolean labelled) {
    this.labelled = labelled;
  }

  @Override
  public void record(byte[] data, int length) {
    Record record;
    try {
      record = Record.parser().parseFrom(data, 0, length);
    } catch (InvalidProtocolBufferException e) {
      throw new RecordIoSplitReader.RecordError("the record's " + length + " bytes are not an aialgs.data.Record "
          + "protobuf (" + e.getMessage() + "); write records with the SageMaker SDK's write_numpy_to_dense_tensor "
          + "or write_spmatrix_to_sparse_tensor");
    }
    // the label first: the label and the features are read through the same scratch arrays
    float label = labelled ? label(record) : Float.NaN;
    Value features = record.getFeaturesMap().get(VALUES);
    if (features == null) {
      throw new RecordIoSplitReader.RecordError("the record has no features[\"values\"] tensor"
          + keys(record.getFeaturesMap()) + "; SageMaker's algorithms read the features from the key \"values\"");
    }
    int count = tensor(features, "features[\"values\"]");
    boolean rowSparse = keyCount > 0 || (count == 0 && shapeProduct >= 0);
    long rowWidth;
    if (rowSparse) {
      if (keyCount != count) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] has " + keyCount + " keys for " + count
            + " values; a sparse tensor has one key (index) per value");
      }
      if (shapeProduct < 0) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] is sparse (it has keys) but gives no "
            + "shape; write the feature dimension as the tensor's shape, as the SageMaker SDK's "
            + "write_spmatrix_to_sparse_tensor does");
      }
      rowWidth = shapeProduct;
    } else {
      if (count == 0) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] holds no values and no shape; a dense row "
            + "needs its feature values, a sparse one its shape");
      }
      if (shapeProduct >= 0 && shapeProduct != count) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] has " + count + " values but its shape "
            + shapeText + " holds " + shapeProduct + "; a dense tensor's shape must hold all of its values");
      }
      rowWidth = count;
    }
    if (width < 0) {
      if (rowWidth > Integer.MAX_VALUE - 16) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] has dimension " + rowWidth
            + ", more than Kiln's limit of " + (Integer.MAX_VALUE - 16) + " features");
      }
      sparse = rowSparse;
      width = rowWidth;
      out = new LabeledDataBuilder(!sparse, false);
      if (!sparse) {
        out.setColumns((int) width);
      }
    } else if (rowSparse != sparse) {
      throw new RecordIoSplitReader.RecordError("the record is " + (rowSparse ? "sparse (its tensor has keys)"
          : "dense (its tensor has no keys)") + " but the channel's first record is " + (sparse ? "sparse" : "dense")
          + "; write every record of a channel the same way");
    } else if (rowWidth != width) {
      throw new RecordIoSplitReader.RecordError("the record has " + rowWidth + " features" + (sparse ? " (its shape)"
          : "") + " but the channel's first record has " + width + "; every record needs the same number of "
          + "features");
    }
    if (sparse) {
      sortKeys(count);
      out.startRow(label, 1f);
      for (int i = 0; i < count; i++) {
        out.entry((int) keys[i], values[i]);
      }
      out.endRow();
    } else {
      out.startRow(label, 1f);
      for (int i = 0; i < count; i++) {
        out.value(values[i]);
      }
    }
  }

  /** The rows read, dense or CSR as the records were; an empty dense matrix when there were none. */
  LabeledData build() {
    if (out == null) {
      return new LabeledDataBuilder(true, false).build(0);
    }
    return out.build((int) width);
  }

  private float label(Record record) {
    Value label = record.getLabelMap().get(VALUES);
    if (label == null) {
      throw new RecordIoSplitReader.RecordError("the record has no label[\"values\"] tensor" + keys(record.getLabelMap())
          + "; write each record's label there, or give the channel ContentType "
          + "application/x-recordio-protobuf;label_size=0 when the records have no labels");
    }
    int count = tensor(label, "label[\"values\"]");
    if (count != 1 || keyCount > 0) {
      throw new RecordIoSplitReader.RecordError("label[\"values\"] has " + count + " values" + (keyCount > 0
          ? " (sparse)" : "") + "; Kiln reads one label per record (label_size 1)");
    }
    return values[0];
  }

  // the tensor tensor() read last: its values and keys are in the arrays above
  private int keyCount;
  private long shapeProduct;
  private String shapeText;

  /** A float from a tensor's i-th value, whatever its element type. */
  private interface FloatAt {
    float at(int i);
  }

  /** Copies a tensor's values (as floats) and keys into the fields above; returns its shape. */
  private long[] copy(int count, FloatAt value, int keys, java.util.function.IntToLongFunction key, int shapes,
      java.util.function.IntToLongFunction shapeAt) {
    keyCount = keys;
    ensure(Math.max(count, keys));
    for (int i = 0; i < count; i++) {
      values[i] = value.at(i);
    }
    for (int i = 0; i < keys; i++) {
      this.keys[i] = key.applyAsLong(i);
    }
    long[] shape = new long[shapes];
    Arrays.setAll(shape, shapeAt);
    return shape;
  }

  /** Reads a tensor's values (as floats), keys and shape into the fields above; the value count. */
  private int tensor(Value v, String what) {
    long[] shape;
    int count;
    switch (v.getValueCase()) {
      case FLOAT32_TENSOR -> {
        Float32Tensor t = v.getFloat32Tensor();
        count = t.getValuesCount();
        shape = copy(count, t::getValues, t.getKeysCount(), t::getKeys, t.getShapeCount(), t::getShape);
      }
      case FLOAT64_TENSOR -> {
        Float64Tensor t = v.getFloat64Tensor();
        count = t.getValuesCount();
        shape = copy(count, i -> (float) t.getValues(i), t.getKeysCount(), t::getKeys, t.getShapeCount(),
            t::getShape);
      }
      case INT32_TENSOR -> {
        Int32Tensor t = v.getInt32Tensor();
        count = t.getValuesCount();
        shape = copy(count, t::getValues, t.getKeysCount(), t::getKeys, t.getShapeCount(), t::getShape);
      }
      case BYTES -> throw new RecordIoSplitReader.RecordError(what + " holds bytes, not a numeric tensor; Kiln reads "
          + "float32, float64 or int32 tensors");
      default -> throw new RecordIoSplitReader.RecordError(what + " holds no tensor; Kiln reads float32, float64 or "
          + "int32 tensors");
    }
    shapeText = Arrays.stream(shape).mapToObj(Long::toUnsignedString).toList().toString();
    if (shape.length == 0) {
      shapeProduct = -1;
    } else {
      long product = 1;
      for (long d : shape) {
        if (d < 0 || (d > 0 && product > Long.MAX_VALUE / d)) {
          throw new RecordIoSplitReader.RecordError(what + " has shape " + shapeText + ", which is too large");
        }
        product *= d;
      }
      shapeProduct = product;
    }
    return count;
  }

  /**
   * Puts a sparse row's keys in increasing order (writers usually do; scipy can leave them
   * unsorted), refusing keys outside the shape and keys given twice.
   */
  private void sortKeys(int count) {
    boolean sorted = true;
    for (int i = 0; i < count; i++) {
      if (keys[i] < 0 || keys[i] >= width) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] has key " + Long.toUnsignedString(keys[i])
            + ", outside its shape [" + width + "]; keys are zero-based indices below the dimension");
      }
      if (i > 0 && keys[i] <= keys[i - 1]) {
        sorted = false;
      }
    }
    if (sorted) {
      return;
    }
    Integer[] order = new Integer[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
    long[] k = new long[count];
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      k[i] = keys[order[i]];
      v[i] = values[order[i]];
      if (i > 0 && k[i] == k[i - 1]) {
        throw new RecordIoSplitReader.RecordError("features[\"values\"] has key " + k[i] + " twice; each index "
            + "holds one value");
      }
    }
    System.arraycopy(k, 0, keys, 0, count);
    System.arraycopy(v, 0, values, 0, count);
  }

  private void ensure(int n) {
    if (n > values.length) {
      values = Arrays.copyOf(values, Math.max(n, 2 * values.length));
    }
    if (n > keys.length) {
      keys = Arrays.copyOf(keys, Math.max(n, 2 * keys.length));
    }
  }

  private static String keys(Map<String, Value> map) {
    return map.isEmpty() ? "" : " (it has " + new TreeSet<>(map.keySet()) + ")";
  }
}
