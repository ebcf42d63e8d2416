package io.kiln.channel;

import static io.kiln.channel.LocalChannel.read;
import static io.kiln.channel.LocalChannel.rows;
import static io.kiln.channel.LocalChannel.uri;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.channel.InputSplit.Unit;
import io.kiln.channel.LocalChannel.Row;
import io.kiln.spi.ContentType;
import io.kiln.spi.ReadOptions;
import io.kiln.testing.ReferencePython;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kiln's RecordIO-protobuf against Python writing and reading it as the SageMaker Python SDK does
 * ({@code recordio_reference.py}: struct framing, Debian's python3-protobuf with a message descriptor
 * built from the published field layout, independently of Kiln's {@code .proto}). The same rows give
 * the same bytes from both writers, Kiln reads Python's files, and Python reads Kiln's.
 */
@Tag("reference")
class RecordIoPythonReferenceTest {
  @TempDir Path dir;

  @Test
  void kilnAndTheSdksWayAgreeByteForByteAndReadEachOther() throws IOException {
    ReferencePython.require("google.protobuf");
    Random random = new Random(11);
    List<List<Float>> dense = new ArrayList<>();
    List<Row> denseRows = new ArrayList<>();
    ByteArrayOutputStream kilnDense = new ByteArrayOutputStream();
    ByteArrayOutputStream kilnSparse = new ByteArrayOutputStream();
    List<Object> sparse = new ArrayList<>();
    List<Row> sparseRows = new ArrayList<>();
    try (RecordIoProtobuf.Writer d = new RecordIoProtobuf.Writer(kilnDense);
        RecordIoProtobuf.Writer s = new RecordIoProtobuf.Writer(kilnSparse)) {
      for (int r = 0; r < 60; r++) {
        float label = random.nextInt(3);
        float[] f = new float[4];
        List<Float> row = new ArrayList<>(List.of(label));
        for (int c = 0; c < f.length; c++) {
          f[c] = (float) random.nextGaussian() * 100;
          row.add(f[c]);
        }
        dense.add(row);
        denseRows.add(Row.dense(label, f));
        d.dense(f, label);

        List<Integer> keys = new ArrayList<>();
        for (int k = 0; k < 50; k++) {
          if (random.nextInt(10) == 0) {
            keys.add(k);
          }
        }
        int[] idx = keys.stream().mapToInt(Integer::intValue).toArray();
        float[] v = new float[idx.length];
        List<Float> values = new ArrayList<>();
        for (int k = 0; k < v.length; k++) {
          v[k] = random.nextFloat();
          values.add(v[k]);
        }
        sparse.add(List.of(label, keys, values));
        sparseRows.add(Row.sparse(label, 1f, idx, v));
        s.sparse(50, idx, v, label);
      }
    }
    Path kilnFile = Files.write(dir.resolve("kiln.rec"), kilnDense.toByteArray());
    Path pythonDense = dir.resolve("python-dense.rec");
    Path pythonSparse = dir.resolve("python-sparse.rec");

    JsonNode out = ReferencePython.call(RecordIoPythonReferenceTest.class, "recordio_reference.py", Map.of(
        "dense", dense, "sparse", Map.of("columns", 50, "rows", sparse), "dense_out", pythonDense.toString(),
        "sparse_out", pythonSparse.toString(), "read", kilnFile.toString()));

    assertThat(Files.readAllBytes(pythonDense)).as("dense records, byte for byte").isEqualTo(kilnDense.toByteArray());
    assertThat(Files.readAllBytes(pythonSparse)).as("sparse records, byte for byte")
        .isEqualTo(kilnSparse.toByteArray());
    assertThat(rows(readWhole(pythonDense))).isEqualTo(denseRows);
    assertThat(rows(readWhole(pythonSparse))).isEqualTo(sparseRows);
    JsonNode read = out.get("read");
    assertThat(read).hasSize(60);
    for (int r = 0; r < 60; r++) {
      JsonNode rec = read.get(r);
      List<Float> seen = new ArrayList<>();
      seen.add(rec.get("label").get(0).floatValue());
      rec.get("values").forEach(v -> seen.add(v.floatValue()));
      assertThat(seen).as("record %d as Python reads it", r).isEqualTo(dense.get(r));
      assertThat(rec.get("keys")).isEmpty();
      assertThat(rec.get("shape")).isEmpty();
    }
  }

  private static io.kiln.spi.LabeledData readWhole(Path file) throws IOException {
    long size = Files.size(file);
    return read("train", ContentType.RECORDIO_PROTOBUF,
        List.of(new InputSplit(uri(file), 0, size, size, Unit.BYTES, false)), ReadOptions.DEFAULT);
  }
}
