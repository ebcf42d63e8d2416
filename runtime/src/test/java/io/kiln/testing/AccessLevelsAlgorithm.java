package io.kiln.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.barrier.HadoopConf;
import io.kiln.spi.Algorithm;
import io.kiln.spi.BadRecordException;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSupport;
import org.apache.hadoop.fs.statistics.StoreStatisticNames;

/**
 * A hand-written algorithm for tests of the channel access levels. It declares its own content
 * types, and its workers read every channel the job gives at the level that channel is meant for,
 * then return what they saw; the driver writes all workers' results, by rank, as JSON into the
 * model ({@code results.json}, a list of {@link Result}), so a test reads them from model.tar.gz.
 *
 * <p>Channels (all optional):
 * <ul>
 *   <li>{@code rows}: text/csv, Parquet or RecordIO-protobuf (dense or sparse records) through
 *       {@link WorkerContext#read}, the label size from the channel ({@code text/csv;label_size=0})
 *       or the {@code rows_label_size} hyperparameter; each row's first feature is its id, and every
 *       row's features are returned as read (read() is collective: the workers meet there in every
 *       epoch);
 *   <li>{@code lines}: {@link #JSON_LINES} (or text/csv) through {@link WorkerContext#lines}; a line
 *       is {@code {"id": n}}, blank lines are skipped, a line without a numeric id is refused with a
 *       {@link BadRecordException}, and {@code {"crash": true}} throws an IllegalStateException (a
 *       bug of the algorithm);
 *   <li>{@code images}: {@link #IMAGE} through {@link WorkerContext#objects}, each opened and read
 *       whole (the test's "images" are short texts);
 *   <li>{@code files}: {@link #FILES} through {@link WorkerContext#download} into a temporary
 *       directory, whose files are returned and then deleted;
 *   <li>{@code model}: {@link #FILES} through {@link WorkerContext#allObjects} on every worker;
 *   <li>{@code labelled}: an AugmentedManifestFile (declared with
 *       {@link ChannelRequirement#withAugmentedManifest()}; its ContentType, {@link #IMAGE}, names
 *       what the records point to) through {@link WorkerContext#augmentedManifest}: each record
 *       becomes {@code "<line>: <attribute JSON> | ... | <text of each -ref object>"}.
 * </ul>
 *
 * <p>Hyperparameters: {@code epochs} (default 1): rows, lines and images are read this many
 * times; {@code rows_label_size} (0 or 1, default: the channel's). Around each epoch a worker notes
 * its s3a filesystem's {@code object_list_request} count
 * ({@link StoreStatisticNames#OBJECT_LIST_REQUEST}) when a channel is on s3a, so a test can show
 * that reading again lists nothing.
 */
public final class AccessLevelsAlgorithm implements Algorithm<AccessLevelsAlgorithm.Params> {
  /** JSON lines, SageMaker's name, cut at line boundaries. */
  public static final ContentType JSON_LINES = ContentType.of("application/jsonlines", ContentType.Split.LINES,
      "application/x-jsonlines");
  /** Images, whole objects. */
  public static final ContentType IMAGE = ContentType.of("application/x-image", ContentType.Split.OBJECTS);
  /** Any file, whole objects. */
  public static final ContentType FILES = ContentType.of("application/octet-stream", ContentType.Split.OBJECTS);

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The validated hyperparameters.
   *
   * @param epochs how many times rows, lines and images are read (at least 1)
   * @param rowsLabelSize the label size asked of read(), or null for the channel's
   */
  public record Params(int epochs, Integer rowsLabelSize) implements Serializable {}

  /**
   * One reading of the rows, lines and images channels by one worker.
   *
   * @param rowIds each row's first feature, in the order read
   * @param rowLabels each row's label, or null when read without labels
   * @param rowColumns the feature count of the rows
   * @param rowFeatures each row's features, in the order read; a sparse row's absent ones as 0
   * @param rowsSparse whether the rows were read as CSR (sparse RecordIO-protobuf records)
   * @param lineIds each line's id, in the order read
   * @param images each image object's key and text, in the order given
   * @param listRequestsBefore the s3a list-request count when the epoch started, or -1 without s3a
   * @param listRequestsAfter the count when it ended, or -1
   */
  public record Epoch(List<Double> rowIds, List<Double> rowLabels, int rowColumns, List<List<Double>> rowFeatures,
      boolean rowsSparse, List<Long> lineIds, Map<String, String> images, long listRequestsBefore,
      long listRequestsAfter) implements Serializable {}

  /**
   * What one worker saw.
   *
   * @param rank the worker
   * @param epochs each epoch's reading
   * @param downloaded the files download() laid out, by path relative to the directory, with their text
   * @param model the model channel's objects from allObjects(), by key, with their text
   * @param labelled each epoch's records of the labelled channel, in the order read
   */
  public record Result(int rank, List<Epoch> epochs, Map<String, String> downloaded, Map<String, String> model,
      List<List<String>> labelled) implements Serializable {}

  @Override
  public String name() {
    return "access-levels";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-access-levels");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(
        new ChannelRequirement("rows", false, List.of(ContentType.CSV, ContentType.PARQUET,
            ContentType.RECORDIO_PROTOBUF), ContentType.CSV),
        new ChannelRequirement("lines", false, List.of(JSON_LINES, ContentType.CSV), JSON_LINES),
        new ChannelRequirement("images", false, List.of(IMAGE), IMAGE),
        new ChannelRequirement("files", false, List.of(FILES), FILES),
        new ChannelRequirement("model", false, List.of(FILES), FILES),
        new ChannelRequirement("labelled", false, List.of(IMAGE), IMAGE).withAugmentedManifest());
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    return List.of();
  }

  @Override
  public Params hyperparameters(Map<String, String> raw) {
    for (String k : raw.keySet()) {
      if (!Set.of("epochs", "rows_label_size").contains(k) && !k.startsWith("_")) {
        throw KilnException.user("Hyperparameter " + k + " is not an access-levels hyperparameter");
      }
    }
    int epochs;
    try {
      epochs = Integer.parseInt(raw.getOrDefault("epochs", "1"));
    } catch (NumberFormatException e) {
      epochs = 0;
    }
    if (epochs < 1) {
      throw KilnException.user("Hyperparameter epochs=" + raw.get("epochs") + " is not valid: expected a whole "
          + "number >= 1");
    }
    String labelSize = raw.get("rows_label_size");
    if (labelSize != null && !labelSize.equals("0") && !labelSize.equals("1")) {
      throw KilnException.user("Hyperparameter rows_label_size=" + labelSize + " is not valid: expected 0 or 1");
    }
    return new Params(epochs, labelSize == null ? null : Integer.valueOf(labelSize));
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    List<Result> results = context.runOnWorkers(new Worker(p,
        new HadoopConf(context.spark().sparkContext().hadoopConfiguration())));
    try {
      JSON.writeValue(context.modelDirectory().resolve("results.json").toFile(), results);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(p.epochs(), Map.of(), false);
  }

  /** Reads {@code results.json} back from a model.tar.gz's files. */
  public static List<Result> results(Map<String, byte[]> modelFiles) {
    try {
      return List.of(JSON.readValue(modelFiles.get("results.json"), Result[].class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Worker(Params p, HadoopConf conf) implements WorkerFunction<Result> {
    @Override
    public Result run(WorkerContext ctx) throws Exception {
      List<Epoch> epochs = new ArrayList<>();
      List<List<String>> labelled = new ArrayList<>();
      for (int e = 0; e < p.epochs(); e++) {
        if (ctx.hasChannel("labelled")) {
          List<String> records = new ArrayList<>();
          ctx.augmentedManifest("labelled", r -> {
            StringBuilder b = new StringBuilder().append(r.line()).append(':');
            for (String a : r.attributeNames()) {
              b.append(' ').append(r.json(a)).append(" |");
            }
            for (String a : r.attributeNames()) {
              if (a.endsWith("-ref")) {
                b.append(' ').append(text(r.object(a)));
              }
            }
            records.add(b.toString());
          });
          labelled.add(records);
        }
        long before = listRequests(ctx);
        List<Double> rowIds = new ArrayList<>();
        List<Double> labels = null;
        List<List<Double>> features = new ArrayList<>();
        int columns = -1;
        boolean sparse = false;
        if (ctx.hasChannel("rows")) {
          LabeledData rows = ctx.read("rows", new ReadOptions(false, p.rowsLabelSize()));
          columns = rows.columns();
          sparse = !rows.isDense();
          labels = rows.labels() == null ? null : new ArrayList<>();
          for (int r = 0; r < rows.rows(); r++) {
            Double[] row = new Double[columns];
            java.util.Arrays.fill(row, 0.0);
            if (rows.isDense()) {
              for (int c = 0; c < columns; c++) {
                row[c] = (double) rows.dense()[r * columns + c];
              }
            } else {
              for (long k = rows.rowOffsets()[r]; k < rows.rowOffsets()[r + 1]; k++) {
                row[rows.indices()[(int) k]] = (double) rows.values()[(int) k];
              }
            }
            rowIds.add(row[0]);
            features.add(List.of(row));
            if (labels != null) {
              labels.add((double) rows.labels()[r]);
            }
          }
        }
        List<Long> lineIds = new ArrayList<>();
        if (ctx.hasChannel("lines")) {
          ctx.lines("lines", line -> {
            if (!line.isBlank()) {
              lineIds.add(id(line));
            }
          });
        }
        Map<String, String> images = new LinkedHashMap<>();
        if (ctx.hasChannel("images")) {
          for (ChannelObject o : ctx.objects("images")) {
            images.put(o.key(), text(o));
          }
        }
        epochs.add(new Epoch(rowIds, labels, columns, features, sparse, lineIds, images, before, listRequests(ctx)));
      }
      Map<String, String> downloaded = new TreeMap<>();
      if (ctx.hasChannel("files")) {
        Path local = Files.createTempDirectory("kiln-download-");
        try {
          Path returned = ctx.download("files", local.resolve("input/data/files"));
          try (Stream<Path> files = Files.walk(returned)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
              downloaded.put(returned.relativize(f).toString(), Files.readString(f));
            }
          }
        } finally {
          try (Stream<Path> all = Files.walk(local)) {
            for (Path f : all.sorted(Comparator.reverseOrder()).toList()) {
              Files.delete(f);
            }
          }
        }
      }
      Map<String, String> model = new LinkedHashMap<>();
      if (ctx.hasChannel("model")) {
        for (ChannelObject o : ctx.allObjects("model")) {
          model.put(o.key(), text(o));
        }
      }
      return new Result(ctx.rank(), epochs, downloaded, model, labelled);
    }

    private static long id(String line) {
      JsonNode node;
      try {
        node = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new BadRecordException("the line is not JSON (" + e.getOriginalMessage() + ")");
      }
      if (node.path("crash").asBoolean(false)) {
        throw new IllegalStateException("crashed on a line as asked");
      }
      if (!node.path("id").isIntegralNumber()) {
        throw new BadRecordException("'id' must be a whole number; write {\"id\": 1}");
      }
      return node.get("id").asLong();
    }

    private static String text(ChannelObject o) throws IOException {
      try (InputStream in = o.open()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }

    /**
     * The list requests counted by the s3a filesystem this worker reads through, or -1 when no
     * channel is on s3a. Filesystems are cached per scheme, bucket and user, so this is the instance
     * the channel readers used.
     */
    private long listRequests(WorkerContext ctx) throws IOException {
      Optional<String> s3a = Stream.of("rows", "lines", "images").filter(ctx::hasChannel)
          .flatMap(c -> ctx.allObjects(c).stream()).map(ChannelObject::uri).filter(u -> u.startsWith("s3a://"))
          .findFirst();
      if (s3a.isEmpty()) {
        return -1;
      }
      FileSystem fs = FileSystem.get(URI.create(s3a.get()), conf.get());
      IOStatistics stats = IOStatisticsSupport.retrieveIOStatistics(fs);
      if (stats == null) {
        throw new IllegalStateException(fs.getClass().getName() + " keeps no IO statistics");
      }
      return stats.counters().getOrDefault(StoreStatisticNames.OBJECT_LIST_REQUEST, 0L);
    }
  }
}
