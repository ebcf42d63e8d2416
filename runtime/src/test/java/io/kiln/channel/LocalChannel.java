package io.kiln.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Channels of local files, listed, planned and read exactly as a job does it, and the rows a
 * worker got, as values that compare with {@code equals}.
 */
final class LocalChannel {
  static final Configuration CONF = new Configuration();

  private LocalChannel() {}

  /**
   * One row as a worker sees it; dense rows have no indices, unweighted rows weight 1, rows read
   * without labels label NaN.
   */
  record Row(float label, float weight, List<Integer> indices, List<Float> values) {
    Row {
      indices = List.copyOf(indices);
      values = List.copyOf(values);
    }

    static Row dense(float label, float... values) {
      return weighted(label, 1f, values);
    }

    static Row weighted(float label, float weight, float... values) {
      List<Float> v = new ArrayList<>();
      for (float f : values) {
        v.add(f);
      }
      return new Row(label, weight, List.of(), v);
    }

    static Row sparse(float label, float weight, int[] indices, float[] values) {
      List<Integer> i = new ArrayList<>();
      List<Float> v = new ArrayList<>();
      for (int k = 0; k < indices.length; k++) {
        i.add(indices[k]);
        v.add(values[k]);
      }
      return new Row(label, weight, i, v);
    }
  }

  static String uri(Path path) {
    return "file://" + path.toAbsolutePath();
  }

  static ChannelData list(String name, String uri, ContentType type) {
    return list(name, uri, type, DataDistribution.FullyReplicated, ChannelSpec.Compression.None);
  }

  static ChannelData list(String name, String uri, ContentType type, DataDistribution distribution,
      ChannelSpec.Compression compression) {
    ChannelSpec spec = new ChannelSpec(name, uri, null, distribution, compression);
    return new ChannelLister(CONF).list(spec, type);
  }

  static List<List<InputSplit>> plan(ChannelData channel, int workers) {
    return new SplitPlanner(CONF).plan(channel, workers);
  }

  /** Plans the channel for {@code workers} and reads every worker's share, by rank. */
  static List<List<Row>> readAll(ChannelData channel, int workers, ReadOptions options) {
    List<List<Row>> out = new ArrayList<>();
    for (List<InputSplit> splits : plan(channel, workers)) {
      out.add(rows(read(channel.name(), channel.contentType(), splits, options)));
    }
    return out;
  }

  static LabeledData read(String channel, ContentType type, List<InputSplit> splits, ReadOptions options) {
    return new ChannelReader(CONF).read(channel, type, splits, options);
  }

  static List<Row> rows(LabeledData data) {
    List<Row> out = new ArrayList<>();
    for (int r = 0; r < data.rows(); r++) {
      float weight = data.weights() == null ? 1f : data.weights()[r];
      List<Integer> indices = new ArrayList<>();
      List<Float> values = new ArrayList<>();
      if (data.isDense()) {
        for (int c = 0; c < data.columns(); c++) {
          values.add(data.dense()[r * data.columns() + c]);
        }
      } else {
        for (long k = data.rowOffsets()[r]; k < data.rowOffsets()[r + 1]; k++) {
          indices.add(data.indices()[(int) k]);
          values.add(data.values()[(int) k]);
        }
      }
      out.add(new Row(data.labels() == null ? Float.NaN : data.labels()[r], weight, indices, values));
    }
    return out;
  }

  static List<Row> concat(List<List<Row>> perWorker) {
    List<Row> all = new ArrayList<>();
    perWorker.forEach(all::addAll);
    return all;
  }

  static Path write(Path file, String text) {
    return write(file, text.getBytes(StandardCharsets.UTF_8));
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path writeGzip(Path file, String text) {
    return writeGzip(file, text.getBytes(StandardCharsets.UTF_8));
  }

  static Path writeGzip(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.getParent());
      try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
        out.write(bytes);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code call}, asserts it fails with a USER error and returns that error. */
  static KilnException userError(ThrowingCallable call) {
    Throwable t = catchThrowable(call);
    assertThat(t).isInstanceOf(KilnException.class);
    KilnException e = (KilnException) t;
    assertThat(e.type()).as("error type of: %s", e.getMessage()).isEqualTo(ErrorType.USER);
    return e;
  }
}
