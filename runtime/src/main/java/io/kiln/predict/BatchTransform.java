package io.kiln.predict;

import io.kiln.barrier.HadoopConf;
import io.kiln.channel.ChannelReader;
import io.kiln.channel.InputSplit;
import io.kiln.runner.Algorithms;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ContentType;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.MediaType;
import io.kiln.spi.ObjectPredictor;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import io.kiln.spi.ReadOptions;
import io.kiln.storage.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * The work of one Spark task of {@code kiln predict}: one input object in, its {@code .out} object
 * written (all-or-nothing, through {@link Store}), one output line per input record in order.
 *
 * <p>The object is read in byte ranges of {@code chunkBytes} (a line belongs to the range it starts
 * in; a gzip object, whose ranges cannot be found, is read whole), each range's rows parsed by the
 * runtime's CSV reader (the delimiter sniffed from the object's first line; empty cells and
 * {@code nan}, {@code NA} ... missing), checked against the model's feature count, predicted in
 * batches of {@value #BATCH_ROWS} rows and written before the next range is read: memory is bounded
 * by the range, not the object. Blank lines are not records and give no output line.
 *
 * <p>Whole objects ({@link #runObjects}): a task takes a group of objects and one
 * {@link ObjectPredictor} for them all (a model is loaded once per task, not per object); each object
 * is read whole (at most {@value #MAX_OBJECT_BYTES} bytes, SageMaker's largest
 * {@code MaxPayloadInMB}), predicted, and its {@code .out} written: the model's JSON document on one
 * line, then {@code \n}.
 */
public final class BatchTransform implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Rows handed to the predictor at once. */
  static final int BATCH_ROWS = 4096;
  /** The largest whole object (after gzip decompression) predicted: 100 MiB, Batch Transform's MaxPayloadInMB cap. */
  public static final long MAX_OBJECT_BYTES = 100L << 20;
  /** Bytes of whole objects a task aims to take, beside {@value #TASKS_PER_CORE} tasks per core. */
  static final long GROUP_BYTES = 64L << 20;
  /** Tasks per core of the cluster when objects are grouped (so a slow task does not hold the run). */
  static final int TASKS_PER_CORE = 4;
  private static final com.fasterxml.jackson.databind.ObjectMapper DOCUMENTS =
      com.fasterxml.jackson.databind.json.JsonMapper.builder()
          .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .build();

  /**
   * One input object and where its output goes.
   *
   * @param inputUri the object, as a Hadoop URI
   * @param key its key relative to the input prefix
   * @param size its length in bytes
   * @param gzip whether it is gzip-compressed ({@code .gz})
   * @param outputUri {@code <output prefix>/<key>.out}, as a Hadoop URI
   */
  public record ObjectTask(String inputUri, String key, long size, boolean gzip, String outputUri)
      implements Serializable {}

  /**
   * What became of one object: its records and output bytes, or the user error that stopped it (no
   * output written).
   */
  public record ObjectResult(ObjectTask task, long records, long bytes, String userError) implements Serializable {
    public boolean failed() {
      return userError != null;
    }
  }

  private final String runId;
  private final String modelUri;
  private final String algorithm;
  private final HadoopConf conf;
  private final OutputFormat format;
  private final long chunkBytes;

  /**
   * @param runId this prediction run's id (the executors' model cache key)
   * @param modelUri the model ({@code model.tar.gz} or a directory), as a Hadoop URI
   * @param algorithm the algorithm's Kiln name
   * @param chunkBytes bytes of an object parsed at once
   */
  public BatchTransform(String runId, String modelUri, String algorithm, HadoopConf conf, OutputFormat format,
      long chunkBytes) {
    this.runId = runId;
    this.modelUri = modelUri;
    this.algorithm = algorithm;
    this.conf = conf;
    this.format = format;
    this.chunkBytes = Math.max(1, chunkBytes);
  }

  /**
   * Transforms one object (on an executor). A user error (bad data, a model that refuses the rows) is
   * returned, not thrown, so Spark does not retry it; anything else is thrown, and Spark retries the
   * task.
   */
  public ObjectResult run(ObjectTask t) {
    Configuration c = conf.get();
    java.nio.file.Path dir = ModelFiles.cached(runId, modelUri, c);
    Algorithm<?> a = Algorithms.load().find(algorithm).orElseThrow(() -> KilnException.internal("Algorithm '"
        + algorithm + "' is not on this executor's classpath", null));
    long[] counts = new long[2];
    try (Predictor p = a.predictor(dir)) {
      new Store(c).write(t.outputUri(), out -> transform(t, p, c, out, counts));
      return new ObjectResult(t, counts[0], counts[1], null);
    } catch (KilnException e) {
      if (e.type() != ErrorType.USER) {
        throw e;
      }
      return new ObjectResult(t, 0, 0, e.getMessage());
    }
  }

  /**
   * The number of Spark tasks for whole-object input: {@value #TASKS_PER_CORE} per core, more when
   * the objects hold over {@value #GROUP_BYTES} bytes per task, never more than one per object. A task
   * per object would load the model once per object and pay a task's scheduling (milliseconds) for
   * each small image.
   *
   * @param tasks the objects
   * @param cores the cluster's cores (Spark's default parallelism)
   */
  public static int objectGroups(List<ObjectTask> tasks, int cores) {
    long bytes = tasks.stream().mapToLong(ObjectTask::size).sum();
    long groups = Math.max((long) Math.max(1, cores) * TASKS_PER_CORE, (bytes + GROUP_BYTES - 1) / GROUP_BYTES);
    return (int) Math.max(1, Math.min(tasks.size(), groups));
  }

  /**
   * Predicts a group of whole objects (on an executor), with one {@link ObjectPredictor}, in order.
   * An object's user error (empty, too large, refused by the model) is returned in its result, with
   * no {@code .out} written, and the other objects go on; anything else is thrown, and Spark retries
   * the task (an object written before is written again whole).
   *
   * @param input the content type and accept the plan settled
   * @return one result per task, in order
   */
  public java.util.Iterator<ObjectResult> runObjects(java.util.Iterator<ObjectTask> tasks,
      BatchPrediction.ObjectInput input) {
    Configuration c = conf.get();
    java.nio.file.Path dir = ModelFiles.cached(runId, modelUri, c);
    Algorithm<?> a = Algorithms.load().find(algorithm).orElseThrow(() -> KilnException.internal("Algorithm '"
        + algorithm + "' is not on this executor's classpath", null));
    MediaType contentType = MediaType.parse(input.contentType());
    MediaType accept = MediaType.parse(input.accept());
    Store store = new Store(c);
    List<ObjectResult> results = new java.util.ArrayList<>();
    try (ObjectPredictor p = a.objectPredictor(dir)) {
      while (tasks.hasNext()) {
        ObjectTask t = tasks.next();
        try {
          byte[] body = readWhole(t, c);
          String document;
          try {
            document = p.predict(t.key(), body, contentType, accept);
          } catch (KilnException e) {
            throw new KilnException(e.type(), "Input " + t.inputUri() + ": " + e.getMessage(), e.getCause());
          }
          byte[] line = (oneLine(document, t) + "\n").getBytes(StandardCharsets.UTF_8);
          store.write(t.outputUri(), line);
          results.add(new ObjectResult(t, 1, line.length, null));
        } catch (KilnException e) {
          if (e.type() != ErrorType.USER) {
            throw e;
          }
          results.add(new ObjectResult(t, 0, 0, e.getMessage()));
        }
      }
    }
    return results.iterator();
  }

  /** The object's bytes, gunzipped for {@code .gz}. */
  private static byte[] readWhole(ObjectTask t, Configuration c) {
    if (t.size() == 0) {
      throw KilnException.user("Input " + t.inputUri() + " is empty (0 bytes): a whole-object input is one request "
          + "per object; remove the object or give it its content");
    }
    if (!t.gzip() && t.size() > MAX_OBJECT_BYTES) {
      throw KilnException.user("Input " + t.inputUri() + " holds " + t.size() + " bytes, over the " + MAX_OBJECT_BYTES
          + " bytes (100 MiB, Batch Transform's largest MaxPayloadInMB) one request may hold; make it smaller");
    }
    Path path = new Path(t.inputUri());
    byte[] body;
    try (InputStream raw = path.getFileSystem(c).open(path);
        InputStream in = t.gzip() ? new GZIPInputStream(raw, 1 << 16) : raw) {
      body = in.readNBytes((int) MAX_OBJECT_BYTES + 1);
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw KilnException.user("Input " + t.inputUri() + " is not a whole gzip file (" + e.getMessage() + "); a .gz "
          + "object is decompressed before prediction: compress it again, or drop the .gz suffix if it is not gzip");
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + t.inputUri() + ": " + e.getMessage(), e);
    }
    if (body.length > MAX_OBJECT_BYTES) {
      throw KilnException.user("Input " + t.inputUri() + " decompresses to over " + MAX_OBJECT_BYTES + " bytes "
          + "(100 MiB, Batch Transform's largest MaxPayloadInMB) one request may hold; make it smaller");
    }
    if (body.length == 0) {
      throw KilnException.user("Input " + t.inputUri() + " decompresses to 0 bytes: a whole-object input is one "
          + "request per object; remove the object or give it its content");
    }
    return body;
  }

  /**
   * The predictor's document on one line: as written when it has no line break, else written again
   * compactly (numbers exactly as they were).
   *
   * @throws KilnException ALGORITHM when it is not exactly one JSON value (a bug of the algorithm)
   */
  String oneLine(String document, ObjectTask t) {
    String d = document == null ? "" : document.strip();
    com.fasterxml.jackson.databind.JsonNode node;
    try {
      node = d.isEmpty() ? null : DOCUMENTS.readTree(d);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      node = null;
    }
    if (node == null || node.isMissingNode()) {
      String shown = d.length() > 80 ? d.substring(0, 80) + "..." : d;
      throw new KilnException(ErrorType.ALGORITHM, "Algorithm '" + algorithm + "' answered " + t.inputUri()
          + " with text that is not one JSON value: '" + shown + "'");
    }
    if (d.indexOf('\n') < 0 && d.indexOf('\r') < 0) {
      return d;
    }
    try {
      return DOCUMENTS.writeValueAsString(node);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw KilnException.internal("Cannot write JSON: " + e.getMessage(), e);
    }
  }

  private void transform(ObjectTask t, Predictor p, Configuration c, OutputStream out, long[] counts)
      throws IOException {
    InputSplit first = split(t, 0);
    OptionalInt expected = p.featureCount();
    int width = -1;
    for (long start = 0; start < Math.max(1, t.size()); start += t.gzip() ? Long.MAX_VALUE / 2 : chunkBytes) {
      InputSplit s = split(t, start);
      ChannelReader.Rows rows;
      try {
        rows = new ChannelReader(c).readRows("input", ContentType.CSV, List.of(s), ReadOptions.unlabelled(), first);
      } catch (KilnException e) {
        throw new KilnException(e.type(), inputMessage(e.getMessage()), e.getCause());
      }
      LabeledData d = rows.data();
      if (d.rows() == 0) {
        continue;
      }
      int cols = d.columns();
      // an empty field after every row's last delimiter: a missing last feature when the model takes
      // that many, else a trailing delimiter (as native XGBoost reads it)
      if (rows.trailingEmptyField() && (expected.isEmpty() || cols == expected.getAsInt() + 1)) {
        d = ChannelReader.dropLastColumn(d);
        cols--;
      }
      if (expected.isPresent() && cols != expected.getAsInt()) {
        int want = expected.getAsInt();
        throw KilnException.user("Input " + t.inputUri() + " line " + firstRowLine(c, s) + ": " + cols
            + " feature(s), but the model takes " + want + (cols == want + 1 ? "; Batch Transform input has no label "
            + "column: if the first column is the label, remove it" : cols < want ? "; give every one of the model's "
            + "features (an empty cell is a missing one)" : "; give only the features the model was trained on"));
      }
      if (width >= 0 && cols != width) {
        throw KilnException.user("Input " + t.inputUri() + " line " + firstRowLine(c, s) + ": " + cols
            + " feature(s), but rows before it have " + width + "; every row needs the same columns");
      }
      width = cols;
      float[] x = d.dense();
      for (int from = 0; from < d.rows(); from += BATCH_ROWS) {
        int n = Math.min(BATCH_ROWS, d.rows() - from);
        float[] part = n == d.rows() ? x : Arrays.copyOfRange(x, from * cols, (from + n) * cols);
        Predictions pr;
        try {
          pr = p.predict(part, n, cols);
        } catch (KilnException e) {
          throw new KilnException(e.type(), "Input " + t.inputUri() + " (rows from line " + firstRowLine(c, s)
              + " on): " + e.getMessage(), e.getCause());
        }
        if (pr.rows() != n) {
          throw KilnException.internal("Algorithm '" + algorithm + "' predicted " + pr.rows() + " rows for " + n, null);
        }
        StringBuilder sb = new StringBuilder(n * 24);
        for (int r = 0; r < n; r++) {
          format.appendLine(pr, r, sb);
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        counts[0] += n;
        counts[1] += bytes.length;
      }
      if (t.gzip()) {
        break;
      }
    }
  }

  private InputSplit split(ObjectTask t, long start) {
    if (t.gzip()) {
      return new InputSplit(t.inputUri(), 0, t.size(), t.size(), InputSplit.Unit.BYTES, true);
    }
    return new InputSplit(t.inputUri(), start, Math.min(t.size(), start + chunkBytes), t.size(), InputSplit.Unit.BYTES,
        false);
  }

  /** A channel reader's message about the input ("Channel 'input': ...") as one about the input object. */
  static String inputMessage(String message) {
    String m = message == null ? "" : message;
    return m.startsWith("Channel 'input': ") ? "Input " + m.substring("Channel 'input': ".length()) : m;
  }

  /**
   * The 1-based number of the first non-blank line that starts at or after the split's start (the
   * first record the split holds), counted from the object's first line; -1 when it cannot be read.
   */
  static long firstRowLine(Configuration c, InputSplit s) {
    Path path = new Path(s.uri());
    try (InputStream raw = path.getFileSystem(c).open(path);
        InputStream in = new java.io.BufferedInputStream(s.gzip() ? new GZIPInputStream(raw) : raw, 1 << 16)) {
      long line = 1;
      long offset = 0;
      long lineStart = 0;
      boolean blank = true;
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          if (!blank && lineStart >= s.start()) {
            return line;
          }
          line++;
          lineStart = offset + 1;
          blank = true;
        } else if (b != ' ' && b != '\t' && b != '\r') {
          blank = false;
        }
        offset++;
      }
      return !blank && lineStart >= s.start() ? line : -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
