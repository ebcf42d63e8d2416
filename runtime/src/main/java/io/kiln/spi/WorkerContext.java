package io.kiln.spi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What worker code sees: its rank, its share of each channel, the job's facts, the line to the
 * driver and collectives with the other workers.
 *
 * <p>A channel is read at the level the algorithm needs:
 * <ul>
 *   <li>{@link #read}: rows of a runtime format (CSV, LIBSVM, Parquet, RecordIO-protobuf) as one
 *       in-memory matrix, with or without a label column;
 *   <li>{@link #lines}: the text lines of the worker's share, streamed;
 *   <li>{@link #objects}: the worker's whole objects, each opened on demand;
 *   <li>{@link #download}: the worker's objects copied into a local directory (SageMaker's File
 *       mode);
 *   <li>{@link #augmentedManifest}: an AugmentedManifestFile channel's lines, each parsed into the
 *       attributes its AttributeNames select.
 * </ul>
 * A ManifestFile channel is read at every level exactly as a prefix holding the objects its
 * manifest lists would be: the runtime lists the channel from the manifest. An AugmentedManifestFile
 * channel is read only by {@link #augmentedManifest} or, unparsed, {@link #lines}.
 * Every row or line of a channel goes to exactly one worker, and which one depends only on the
 * channel's objects and the worker count. Reading a channel again (another epoch) does not list its
 * prefix again: the objects were listed once, on the driver.
 *
 * <p>Methods marked <em>collective</em> must be called by every worker, in the same order.
 */
public interface WorkerContext {

  int rank();

  int workers();

  /** How many times this job's workers have been started; 0 for the first. */
  int attempt();

  /** Threads this worker may use. */
  int threads();

  String jobName();

  /** True when the job has this channel. */
  boolean hasChannel(String channel);

  /**
   * Reads this worker's rows of a runtime-format channel (CSV, LIBSVM, Parquet, RecordIO-protobuf)
   * into memory. With label size 0 (from {@code options} or the channel's
   * {@code text/csv;label_size=0}) every column is a feature and {@link LabeledData#labels()} is
   * null. RecordIO-protobuf rows are dense or CSR as the records are (features["values"] with or
   * without keys), their label each record's label["values"]. <em>Collective</em>: the workers agree
   * on the feature count.
   *
   * @throws KilnException USER naming the object and line (RecordIO: record and byte offset) of a
   *     bad row, when workers read rows
   *     of different widths, or when {@code options} ask for a label size other than the one the
   *     channel states; IllegalArgumentException for a channel that is not a row format, or is an
   *     AugmentedManifestFile
   */
  LabeledData read(String channel, ReadOptions options);

  /**
   * A user error about one row of this worker's share of a row channel, for worker code that finds a
   * row of {@link #read}'s result invalid (a label out of range, a negative weight): its message
   * names the channel, the object and the row's line (text) or row number (Parquet), then
   * {@code message}, e.g. {@code "Channel 'train': s3://bucket/iris.csv line 3: label 3 is ..."}.
   * The caller throws it (or first agrees on it with the other workers). Finding a text row reads
   * the worker's share again up to it, so call this on the error path only.
   *
   * @param row the row's index in {@link LabeledData} (0-based, in the order read returned them)
   * @param message what is wrong with the row and the fix
   */
  default KilnException rowError(String channel, long row, String message) {
    return KilnException.user("Channel '" + channel + "': row " + (row + 1) + " of worker " + rank() + "'s share: "
        + message);
  }

  /**
   * Streams this worker's lines of a text channel (a {@link ContentType.Split#LINES} format, CSV or
   * LIBSVM, or the manifest of an AugmentedManifestFile) to {@code handler}, in object and line
   * order. Each call reads the share again
   * (an epoch), without listing. A gzip object is read whole by one worker.
   *
   * @throws KilnException USER when the handler throws {@link BadRecordException} (naming the
   *     object and line), ALGORITHM when it throws anything else, INTERNAL when storage fails;
   *     IllegalArgumentException for a Parquet, RecordIO-protobuf or OBJECTS channel
   */
  void lines(String channel, LineHandler handler);

  /**
   * This worker's whole objects of a channel, in key order. An object goes to exactly one worker:
   * with ShardedByS3Key object {@code i} (in key order) goes to worker {@code i mod workers}; with
   * FullyReplicated the objects are dealt out the same way, so each is read once. See
   * {@link #allObjects} for a channel every worker reads whole.
   *
   * @throws IllegalArgumentException for an AugmentedManifestFile channel (its records name their
   *     objects: {@link AugmentedManifestRecord#object})
   */
  List<ChannelObject> objects(String channel);

  /**
   * Every object of a channel, in key order, for channels every worker needs whole (a model, a .lst
   * file).
   *
   * @throws IllegalArgumentException for an AugmentedManifestFile channel
   */
  List<ChannelObject> allObjects(String channel);

  /**
   * Copies this worker's objects ({@link #objects}) into {@code directory}, each at its
   * {@link ChannelObject#key()}, decompressing a Gzip channel's objects (whose files then lose a
   * {@code .gz} ending), as SageMaker's File mode lays out {@code /opt/ml/input/data/<channel>/}.
   * Creates the directory when missing; a file is complete under its name or absent.
   *
   * @return {@code directory}
   * @throws KilnException USER for keys that cannot all be local files (one is the folder of
   *     another) or invalid gzip data, INTERNAL when storage or the local disk fails;
   *     IllegalArgumentException for an AugmentedManifestFile channel
   */
  Path download(String channel, Path directory);

  /**
   * Streams this worker's lines of an AugmentedManifestFile channel to {@code handler}, each parsed
   * into the attributes the channel's AttributeNames select, in order. Every line of the manifest
   * goes to exactly one worker, in manifest order (whichever the channel's distribution); blank
   * lines are skipped. Each call reads the share again (an epoch), without listing.
   * {@link #lines} gives the same lines unparsed.
   *
   * @throws KilnException USER naming the channel, the manifest and the line when a line is not a
   *     JSON object, lacks an attribute, has a malformed {@code -ref} URI, or the handler throws
   *     {@link BadRecordException}; ALGORITHM when the handler throws anything else;
   *     IllegalArgumentException for a channel of another data type
   */
  default void augmentedManifest(String channel, AugmentedManifestHandler handler) {
    throw new UnsupportedOperationException(getClass().getName() + " does not read augmented manifests");
  }

  /** The job's environment variables (the spec's {@code environment}, SageMaker's Environment). */
  Map<String, String> environment();

  /**
   * The GPU addresses Spark assigned to this task (its resource profile's {@code gpu}
   * resource), e.g. {@code ["0"]}; empty when the task has none.
   */
  List<String> gpus();

  /**
   * Every worker's host and a free port on it, agreed through the barrier (about a second, as
   * {@link #allGather}). <em>Collective</em>.
   */
  Rendezvous rendezvous();

  /**
   * Combines {@code values} element by element across all workers with {@code op} and leaves the
   * result in {@code values} on every worker (a ring all-reduce between the workers, not through the
   * driver). Every worker passes an array of the same length. <em>Collective</em>.
   *
   * @throws KilnException USER for arrays of different lengths, ALGORITHM for different operations,
   *     INTERNAL when a peer is unreachable, fails, or makes no progress for
   *     {@code spark.kiln.collectives.timeout-seconds} (default 300)
   */
  void allReduce(float[] values, ReduceOp op);

  /**
   * Reports one round's metrics to the driver and returns what to do next. Every worker gets the
   * same directive for the same round.
   */
  Directive report(int round, Map<String, Double> metrics);

  /**
   * For worker code without a round loop (an external process that trains on its own): what the
   * driver wants now, without reporting a round. {@link Directive#STOP} once a stop was requested;
   * {@link Directive#CHECKPOINT} once per emergency checkpoint request (each worker sees each
   * request once); else {@link Directive#CONTINUE}.
   */
  Directive poll();

  /**
   * Exchanges one message with every worker; returns all messages by rank. <em>Collective</em>.
   * It goes through Spark's barrier ({@code BarrierTaskContext.allGather}), whose tasks wait for each
   * other in 1-second polls: expect about a second per call. Use it for set-up and agreement (ranks,
   * a restore round), not per round; per-round numbers go through {@link #allReduce} (milliseconds).
   */
  List<String> allGather(String message);

  /**
   * The runtime's checkpoint service for this worker: restore at the start (<em>collective</em>),
   * then save as the schedule and the driver's directives say; a no-op service when the job has no
   * checkpoint location.
   */
  Checkpointing checkpointing();

  /**
   * A local directory for the model (SageMaker's {@code /opt/ml/model}). What rank 0 leaves in it
   * when the worker function returns becomes the job's {@code model.tar.gz}, uploaded from the
   * worker; other ranks' directories are discarded.
   */
  Path modelDirectory();

  /**
   * A local directory for other output (SageMaker's {@code /opt/ml/output/data}). What rank 0
   * leaves in it becomes {@code output.tar.gz} next to the model.
   */
  Path outputDataDirectory();

  /**
   * SageMaker's {@code /opt/ml/output/failure}: text a worker writes here before failing (throwing)
   * becomes the job's FailureReason (its first non-blank line, at most 1024 characters;
   * {@code ClientError:} at its start makes it a user error, anything else an algorithm error,
   * reported as {@code AlgorithmError: <line>}). As on SageMaker, where the exit code alone decides
   * whether a job failed, a worker that returns normally does not fail the job because it wrote
   * this file; its first line is logged as a warning.
   */
  Path failureFile();

  /** Writes a line to the job's log on the driver. */
  void log(String line);

  /**
   * Writes lines an external process printed (a script's stdout and stderr) to the job's log on the
   * driver in one message, in order: each becomes the entry {@code [worker <rank>] [<source>] <line>},
   * and the job's MetricDefinitions are matched against the line as printed (without those
   * prefixes), as SageMaker matches them against a container's output. For output that arrives line
   * by line, batch it (a few hundred milliseconds' worth) rather than call {@link #log} per line:
   * each call is one round trip to the driver.
   *
   * <p>The default sends each line through {@link #log} as {@code [<source>] <line>} (a round trip
   * each, matched with that prefix); the runtime's barrier workers send the batch as one message.
   *
   * @param source what printed the lines, e.g. the worker's host name
   * @param lines the lines without line breaks, in the order printed
   */
  default void logLines(String source, List<String> lines) {
    for (String line : lines) {
      log("[" + source + "] " + line);
    }
  }
}
