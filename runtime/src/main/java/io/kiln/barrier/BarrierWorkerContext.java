package io.kiln.barrier;

import io.kiln.channel.AugmentedManifestReader;
import io.kiln.channel.ChannelDownload;
import io.kiln.channel.ChannelLines;
import io.kiln.channel.ChannelReader;
import io.kiln.channel.HadoopChannelObject;
import io.kiln.channel.InputSplit;
import io.kiln.channel.ObjectKeys;
import io.kiln.channel.ObjectRef;
import io.kiln.channel.TrailingField;
import io.kiln.spi.AugmentedManifestHandler;
import io.kiln.spi.ChannelObject;
import io.kiln.checkpoint.CheckpointService;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.LineHandler;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.Rendezvous;
import io.kiln.spi.WorkerContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.resource.ResourceInformation;

/** The {@link WorkerContext} of a worker running as a task of a Spark barrier stage. */
final class BarrierWorkerContext implements WorkerContext {
  private final WorkerPlan plan;
  private final BarrierTaskContext task;
  private final WorkerOutputs outputs;
  private Collectives collectives;
  private CheckpointService checkpointing;

  BarrierWorkerContext(WorkerPlan plan, BarrierTaskContext task, WorkerOutputs outputs) {
    this.plan = plan;
    this.task = task;
    this.outputs = outputs;
  }

  @Override
  public int rank() {
    return plan.rank();
  }

  @Override
  public int workers() {
    return plan.workers();
  }

  @Override
  public int attempt() {
    return plan.attempt();
  }

  @Override
  public int threads() {
    return plan.threads();
  }

  @Override
  public String jobName() {
    return plan.jobName();
  }

  @Override
  public boolean hasChannel(String channel) {
    return plan.channels().containsKey(channel);
  }

  private WorkerPlan.ChannelShare share(String channel) {
    WorkerPlan.ChannelShare share = plan.channels().get(channel);
    if (share == null) {
      throw new IllegalArgumentException("no channel " + channel + "; the job has " + plan.channels().keySet());
    }
    return share;
  }

  /** Refuses whole-object and row access to an AugmentedManifestFile channel, whose objects are its lines' refs. */
  private static void refuseAugmented(String channel, WorkerPlan.ChannelShare share, String access) {
    if (share.augmentedManifest()) {
      throw new IllegalArgumentException("channel " + channel + " is an AugmentedManifestFile (" + share.manifestUri()
          + "); read its records with augmentedManifest() (or its lines with lines()), not " + access);
    }
  }

  @Override
  public LabeledData read(String channel, ReadOptions options) {
    WorkerPlan.ChannelShare share = share(channel);
    refuseAugmented(channel, share, "read()");
    if (share.contentType().split() != ContentType.Split.ROWS) {
      throw new IllegalArgumentException("channel " + channel + " is " + share.contentType()
          + ", not a row format; read it with lines(), objects() or download()");
    }
    ReadOptions resolved = new ReadOptions(options.weightColumn(), labelSize(channel, share, options));
    ChannelReader reader = new ChannelReader(plan.hadoopConf().get());
    ChannelReader.Rows read = null;
    KilnException failure = null;
    try {
      read = reader.readRows(channel, share.contentType(), share.splits(), resolved, firstObject(share));
    } catch (KilnException e) {
      failure = e;
    }
    // every worker reports the channel's first bad row, whichever worker read it
    String report = failure != null ? ReadFailures.report(objectIndex(share, reader.failedSplit()), failure)
        : (read.data().rows() == 0 ? -1 : read.data().columns()) + (read.trailingEmptyField() ? "t" : "");
    List<String> all = allGather(report);
    var first = ReadFailures.first(all, rank(), failure);
    if (first.isPresent()) {
      throw first.get();
    }
    LabeledData data = read.data();
    // agree on the feature count with the other workers, and on whether a trailing empty CSV field is a column
    int mine = data.rows() == 0 ? -1 : data.columns();
    int[] counts = TrailingField.agree(all);
    if (read.trailingEmptyField() && counts[rank()] == mine - 1) {
      data = ChannelReader.dropLastColumn(data);
    }
    int columns = Arrays.stream(counts).max().orElse(-1);
    if (!share.contentType().equals(ContentType.LIBSVM)) {
      for (int w = 0; w < counts.length; w++) {
        if (counts[w] >= 0 && counts[w] != columns) {
          throw KilnException.user("Channel '" + channel + "' has rows with different numbers of features: worker "
              + w + " read rows with " + counts[w] + " features, another worker rows with " + columns
              + ". Every row needs the same number of columns");
        }
      }
    }
    if (Arrays.stream(counts).allMatch(c -> c < 0)) {
      throw KilnException.user("Channel '" + channel + "' has no data rows: " + describe(share.splits())
          + " hold(s) none. Check the channel's URI, its ContentType and CompressionType");
    }
    for (int w = 0; w < counts.length; w++) {
      if (counts[w] < 0) {
        throw KilnException.user("Channel '" + channel + "' gave worker " + w + " no rows: the data is too small for "
            + plan.workers() + " workers. Use fewer workers or more data");
      }
    }
    return new LabeledData(data.rows(), Math.max(columns, 0), data.labels(), data.weights(), data.dense(),
        data.rowOffsets(), data.indices(), data.values(), data.qids());
  }

  /** The position of {@code split}'s object in the channel's object order; Long.MAX_VALUE when unknown. */
  private static long objectIndex(WorkerPlan.ChannelShare share, InputSplit split) {
    if (split == null || share.objects() == null) {
      return Long.MAX_VALUE;
    }
    List<ObjectRef> objects = share.objects().value();
    for (int i = 0; i < objects.size(); i++) {
      if (objects.get(i).uri().equals(split.uri())) {
        return i;
      }
    }
    return Long.MAX_VALUE;
  }

  /** The channel's first non-empty object in key order, whole: every worker sniffs a CSV delimiter from it. */
  private static InputSplit firstObject(WorkerPlan.ChannelShare share) {
    if (share.objects() == null) {
      return share.splits().isEmpty() ? null : share.splits().get(0);
    }
    for (ObjectRef o : share.objects().value()) {
      if (o.size() > 0) {
        boolean gzip = share.gzip() || o.uri().toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
        return new InputSplit(o.uri(), 0, o.size(), o.size(), InputSplit.Unit.BYTES, gzip);
      }
    }
    return null;
  }

  /** The objects of {@code splits} for a message: up to three URIs with their sizes, then a count. */
  private static String describe(List<io.kiln.channel.InputSplit> splits) {
    List<String> objects = splits.stream().map(io.kiln.channel.InputSplit::uri).distinct().toList();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(3, objects.size()); i++) {
      String uri = objects.get(i);
      long bytes = splits.stream().filter(x -> x.uri().equals(uri)).mapToLong(io.kiln.channel.InputSplit::objectSize).max().orElse(0);
      b.append(i == 0 ? "" : ", ").append(io.kiln.spi.Messages.echo(uri)).append(" (").append(bytes).append(" bytes)");
    }
    if (objects.size() > 3) {
      b.append(" and ").append(objects.size() - 3).append(" more object(s)");
    }
    return objects.isEmpty() ? "its objects" : b.toString();
  }

  /**
   * The label size to read with: what the algorithm asks for, which must agree with a label_size the
   * channel states; the channel's (default 1) when the algorithm leaves it open.
   */
  private static int labelSize(String channel, WorkerPlan.ChannelShare share, ReadOptions options) {
    Integer stated = share.labelSize();
    Integer asked = options.labelSize();
    // a RecordIO record's label is not a column: an algorithm that reads no labels just ignores it
    boolean records = share.contentType().equals(ContentType.RECORDIO_PROTOBUF);
    if (asked != null && stated != null && !asked.equals(stated) && !(records && asked == 0)) {
      throw KilnException.user(asked == 1
          ? "Channel '" + channel + "' has content type " + share.contentType() + ";label_size=0 (rows without a "
              + "label), but this algorithm learns from a label " + (records ? "in each record's label[\"values\"]; "
              + "write the labels there" : "in the first column; put the label first") + " and remove label_size=0"
          : "Channel '" + channel + "' has content type " + share.contentType() + ";label_size=1 (a label in the "
              + "first column), but this algorithm reads rows without labels; remove the label column and write "
              + "label_size=0");
    }
    int size = asked != null ? asked : stated != null ? stated : 1;
    if (size == 0 && options.weightColumn()) {
      throw KilnException.user("Channel '" + channel + "' has label_size=0 (rows without a label), but the algorithm "
          + "reads an instance weight after the label (csv_weights=1); put the label and the weight first and "
          + "remove label_size=0, or turn the weights off");
    }
    return size;
  }

  @Override
  public KilnException rowError(String channel, long row, String message) {
    WorkerPlan.ChannelShare share = share(channel);
    return RowLocator.error(channel, share.contentType(), share.splits(), row, message, plan.hadoopConf().get())
        .orElseGet(() -> WorkerContext.super.rowError(channel, row, message));
  }

  @Override
  public void lines(String channel, LineHandler handler) {
    WorkerPlan.ChannelShare share = share(channel);
    boolean binaryRows = share.contentType().equals(ContentType.PARQUET)
        || share.contentType().equals(ContentType.RECORDIO_PROTOBUF);
    if (!share.augmentedManifest() && (binaryRows || share.contentType().split() == ContentType.Split.OBJECTS)) {
      throw new IllegalArgumentException("channel " + channel + " is " + share.contentType()
          + ", not text lines; read it with " + (binaryRows ? "read()" : "objects() or download()"));
    }
    new ChannelLines(plan.hadoopConf().get()).read(channel, share.splits(), handler);
  }

  @Override
  public void augmentedManifest(String channel, AugmentedManifestHandler handler) {
    WorkerPlan.ChannelShare share = share(channel);
    if (!share.augmentedManifest()) {
      throw new IllegalArgumentException("channel " + channel + " is not an AugmentedManifestFile channel; read it "
          + "with read(), lines(), objects() or download()");
    }
    new AugmentedManifestReader(plan.hadoopConf().get(), channel, share.manifestUri(), share.attributeNames(),
        share.gzip()).read(share.splits(), handler);
  }

  @Override
  public List<ChannelObject> objects(String channel) {
    WorkerPlan.ChannelShare share = share(channel);
    refuseAugmented(channel, share, "objects()");
    List<ObjectRef> mine = ObjectKeys.deal(share.objects().value(), plan.workers()).get(plan.rank());
    return wrap(mine, share.gzip());
  }

  @Override
  public List<ChannelObject> allObjects(String channel) {
    WorkerPlan.ChannelShare share = share(channel);
    refuseAugmented(channel, share, "allObjects()");
    return wrap(share.objects().value(), share.gzip());
  }

  private List<ChannelObject> wrap(List<ObjectRef> refs, boolean gzip) {
    List<ChannelObject> out = new ArrayList<>(refs.size());
    for (ObjectRef r : refs) {
      out.add(new HadoopChannelObject(r, gzip, plan.hadoopConf().get()));
    }
    return Collections.unmodifiableList(out);
  }

  @Override
  public Path download(String channel, Path directory) {
    refuseAugmented(channel, share(channel), "download()");
    return ChannelDownload.copy(channel, objects(channel), share(channel).gzip(), directory);
  }

  @Override
  public Map<String, String> environment() {
    return plan.environment();
  }

  @Override
  public List<String> gpus() {
    ResourceInformation gpu = task.resourcesJMap().get("gpu");
    return gpu == null ? List.of() : List.of(gpu.addresses());
  }

  private Collectives collectives() {
    if (collectives == null) {
      collectives = new Collectives(plan.rank(), plan.workers(), task);
    }
    return collectives;
  }

  @Override
  public Rendezvous rendezvous() {
    return collectives().rendezvous();
  }

  @Override
  public void allReduce(float[] values, ReduceOp op) {
    collectives().allReduce(values, op);
  }

  @Override
  public Directive report(int round, Map<String, Double> metrics) {
    return plan.control().report(plan.attempt(), plan.rank(), round, metrics);
  }

  @Override
  public List<String> allGather(String message) {
    return List.of(task.allGather(message));
  }

  @Override
  public Checkpointing checkpointing() {
    if (checkpointing == null) {
      checkpointing = new CheckpointService(plan.checkpoints(), plan.checkpointIdentity(), plan.rank(),
          plan.workers(), this::allGather, this::log, plan.checkpointInterval());
    }
    return checkpointing;
  }

  @Override
  public Directive poll() {
    return plan.control().poll(plan.attempt(), plan.rank());
  }

  @Override
  public Path modelDirectory() {
    return outputs.modelDirectory();
  }

  @Override
  public Path outputDataDirectory() {
    return outputs.outputDataDirectory();
  }

  @Override
  public Path failureFile() {
    return outputs.failureFile();
  }

  @Override
  public void log(String line) {
    plan.control().log(plan.rank(), line);
  }

  @Override
  public void logLines(String source, List<String> lines) {
    if (!lines.isEmpty()) {
      plan.control().logLines(plan.rank(), source, lines);
    }
  }

  /** Waits for a checkpoint upload under way and ends the collectives' connections. */
  void close() {
    try {
      if (checkpointing != null) {
        checkpointing.close();
      }
    } finally {
      if (collectives != null) {
        collectives.close();
      }
    }
  }
}
