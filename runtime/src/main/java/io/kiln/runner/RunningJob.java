package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.MetricDefinition;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.storage.StorageRetry;
import io.kiln.storage.UserUris;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's live state of one job: its record, its log, and what has been asked of it (stop,
 * checkpoint). Several threads touch it (the runner, the heartbeat, the control server); every
 * change goes through one lock, and the store sees whole records.
 */
final class RunningJob {
  private static final Logger LOG = LoggerFactory.getLogger("io.kiln.job");
  private static final java.util.regex.Pattern CONTINUATION = java.util.regex.Pattern.compile("\r\n|\r|\n");

  private final JobStore store;
  private final TrainingJobSpec spec;
  private final JobListener listener;
  private final StringBuilder log = new StringBuilder();
  private final Map<String, Double> definedMetrics = new LinkedHashMap<>();
  private final Map<String, Integer> definedSteps = new java.util.HashMap<>();
  private final Map<String, Instant> definedTimes = new java.util.HashMap<>();
  private final MetricDefinitionMatcher metricDefinitions;
  private JobRecord record;
  private boolean dirty;
  private final Object saveLock = new Object();
  private volatile SecondaryStatus stopReason;
  private volatile String stopMessage;
  private volatile boolean checkpointRequested;
  private long checkpointRequestCount;
  private final Map<Integer, Long> checkpointRequests = new java.util.HashMap<>();
  private volatile int plannedRounds;
  private volatile boolean fenced;
  private double waitedSeconds;
  private Instant waitingSince;
  private volatile Duration retryWindow = Duration.ZERO;
  private final UserUris uris;

  RunningJob(JobStore store, TrainingJobSpec spec, JobRecord record, JobListener listener) {
    this.store = store;
    this.spec = spec;
    this.record = record;
    this.listener = listener;
    this.metricDefinitions = new MetricDefinitionMatcher(spec.name(), spec.metricDefinitions(), this::onDefinedMetric);
    List<String> written = new ArrayList<>();
    spec.channels().forEach(c -> written.add(c.uri()));
    written.add(spec.outputPath());
    if (spec.checkpoint() != null) {
      written.add(spec.checkpoint().uri());
    }
    this.uris = UserUris.of(written);
  }

  /** Starts the log with what an earlier driver of the job wrote (a resume keeps the job's history). */
  synchronized void continueLog(String earlier) {
    if (earlier != null && !earlier.isEmpty()) {
      log.insert(0, earlier.endsWith("\n") ? earlier : earlier + "\n");
      dirty = true;
    }
  }

  /** {@code text} as the user should read it: with the URIs the user wrote ({@code s3://}, not s3a). */
  String show(String text) {
    return uris.show(text);
  }

  synchronized JobRecord record() {
    return record;
  }

  TrainingJobSpec spec() {
    return spec;
  }

  synchronized void update(UnaryOperator<JobRecord> change) {
    record = change.apply(record).toBuilder().lastModifiedTime(Instant.now()).build();
    dirty = true;
  }

  /** Moves to a new secondary status: closes the open transition, opens the new one, saves. */
  Instant transition(SecondaryStatus status, String message) {
    return transition(status, message, Instant.now());
  }

  Instant transition(SecondaryStatus status, String message, Instant now) {
    message = show(message);
    synchronized (this) {
      appendTransition(status, message, now);
    }
    announce(status, message);
    return now;
  }

  /**
   * Asks training to stop at the next round boundary and records the Stopping transition in the
   * same step, so no later transition (Uploading, Stopped) can be recorded before it. The first
   * reason asked wins; returns false when a stop was already under way.
   */
  boolean stopWith(SecondaryStatus reason, String message, String stoppingMessage) {
    message = show(message);
    stoppingMessage = show(stoppingMessage);
    synchronized (this) {
      if (stopReason != null || record.trainingJobStatus().terminal()) {
        return false;
      }
      appendTransition(SecondaryStatus.Stopping, stoppingMessage, Instant.now());
      stopReason = reason;
      stopMessage = message;
    }
    announce(SecondaryStatus.Stopping, stoppingMessage);
    return true;
  }

  private void appendTransition(SecondaryStatus status, String message, Instant now) {
    List<JobRecord.StatusTransition> ts = new ArrayList<>(record.secondaryStatusTransitions());
    if (!ts.isEmpty()) {
      JobRecord.StatusTransition last = ts.get(ts.size() - 1);
      if (last.endTime() == null) {
        ts.set(ts.size() - 1, new JobRecord.StatusTransition(last.status(), last.startTime(), now,
            last.statusMessage()));
      }
    }
    if (!status.primary().terminal()) {
      ts.add(new JobRecord.StatusTransition(status, now, null, message));
    } else {
      ts.add(new JobRecord.StatusTransition(status, now, now, message));
    }
    TrainingJobStatus primary = status.primary();
    if (record.trainingJobStatus() == TrainingJobStatus.Stopping && primary == TrainingJobStatus.InProgress) {
      // a stopping job's last steps (Uploading the model so far, an interrupted attempt) are still
      // Stopping: as on SageMaker, Stopping only ever leads to Stopped (or Failed)
      primary = TrainingJobStatus.Stopping;
    }
    record = record.toBuilder().secondaryStatus(status).trainingJobStatus(primary).transitions(ts)
        .lastModifiedTime(now).build();
    dirty = true;
  }

  private void announce(SecondaryStatus status, String message) {
    log("[" + status + "] " + message);
    listener.onTransition(status, message);
    save();
  }

  void log(String line) {
    log(line, true);
  }

  /**
   * Writes a line to the job log; {@code stream}: a MetricDefinitions match in it is also a live
   * metric step (false for Kiln's own per-round lines, whose metrics are streamed already).
   */
  private void log(String line, boolean stream) {
    // every line of the log starts with its time: a line break inside an entry (a value echoed from
    // a user, a worker's multi-line output) continues indented, so it cannot pass for an entry
    line = show(line);
    String stamped = Instant.now() + " " + CONTINUATION.matcher(line).replaceAll("\n    ");
    synchronized (this) {
      log.append(stamped).append('\n');
      dirty = true;
    }
    LOG.info("{}: {}", spec.name(), CONTINUATION.matcher(line).replaceAll("\n    "));
    metricDefinitions.offer(line, stream);
  }

  /**
   * Lines a worker's process printed, from one message, in order: each becomes the log entry
   * {@code [worker <rank>] [<source>] <line>}, and the MetricDefinitions see each line as printed
   * (without those prefixes, as SageMaker's regexes see a container's output); every value they
   * find is a live metric step. One lock and one matcher task for the whole batch.
   */
  void workerLines(int rank, String source, List<String> lines) {
    String prefix = "[worker " + rank + "] [" + show(source) + "] ";
    Instant now = Instant.now();
    StringBuilder entries = new StringBuilder();
    for (String line : lines) {
      String shown = CONTINUATION.matcher(prefix + show(line)).replaceAll("\n    ");
      entries.append(now).append(' ').append(shown).append('\n');
      LOG.info("{}: {}", spec.name(), shown);
    }
    synchronized (this) {
      log.append(entries);
      dirty = true;
    }
    metricDefinitions.offerAll(lines);
  }

  /** Something the user should know that did not stop the job: in the log and the record's Notices. */
  void notice(String message) {
    message = show(message);
    synchronized (this) {
      List<String> notices = new ArrayList<>(record.kiln().notices() == null ? List.of() : record.kiln().notices());
      if (!notices.contains(message)) {
        notices.add(message);
        record = record.toBuilder().kiln(record.kilnBuilder().notices(notices).build()).build();
        dirty = true;
      }
    }
    log("NOTICE " + message);
    listener.onNotice(message);
  }

  /** One round's metrics from rank 0. */
  void onRound(int round, Map<String, Double> metrics) {
    Instant now = Instant.now();
    StringBuilder line = new StringBuilder("[").append(round).append(']');
    metrics.forEach((k, v) -> line.append('\t').append(k.replace(':', '-')).append(':').append(format(v)));
    log(line.toString(), false);
    synchronized (this) {
      JobRecord.KilnBuilder k = record.kilnBuilder()
          .addRound(new JobRecord.RoundMetrics(round, now, new LinkedHashMap<>(metrics)))
          .roundsCompleted(round + 1);
      record = record.toBuilder().kiln(k.build()).build();
      dirty = true;
    }
    listener.onRound(round, plannedRounds, metrics);
  }

  /**
   * One value a MetricDefinitions regex found in the log (on the matcher's thread): the last value
   * of each metric is a final metric, and with {@code stream} every value is also a step of the
   * live metric stream (the k-th value of a metric is its step k), seen by the record's metric
   * history, the progress line and the tuner's early stopping.
   */
  private void onDefinedMetric(String name, double v, boolean stream) {
    int step = -1;
    synchronized (this) {
      definedMetrics.put(name, v);
      definedTimes.put(name, Instant.now());
      if (stream) {
        step = definedSteps.merge(name, 1, Integer::sum) - 1;
        Map<String, Double> one = new LinkedHashMap<>();
        one.put(name, v);
        if (keptInHistory(step)) {
          record = record.toBuilder().kiln(record.kilnBuilder()
              .addRound(new JobRecord.RoundMetrics(step, Instant.now(), one)).build()).build();
          dirty = true;
        }
      }
    }
    if (stream) {
      listener.onRound(step, plannedRounds, Map.of(name, v));
    }
  }

  /** Steps of a MetricDefinitions metric the record's history keeps every one of. */
  static final int HISTORY_FULL_STEPS = 1000;

  /**
   * Whether the record's metric history keeps step {@code step} of a MetricDefinitions metric: every
   * step below {@value #HISTORY_FULL_STEPS}, then every 2nd up to twice that, every 4th up to four
   * times it, and so on, so a script that prints a value per batch for hours keeps a history of
   * about {@value #HISTORY_FULL_STEPS} entries per doubling of its steps (the record is rewritten
   * as the job runs). The live stream (progress line, early stopping) and the final value see every
   * step.
   */
  static boolean keptInHistory(int step) {
    if (step < HISTORY_FULL_STEPS) {
      return true;
    }
    int stride = Integer.highestOneBit(step / HISTORY_FULL_STEPS) * 2;
    return step % stride == 0;
  }

  /** The last value of each MetricDefinitions metric, once every line logged so far is matched. */
  Map<String, Double> definedMetrics() {
    metricDefinitions.drain(30_000);
    synchronized (this) {
      return new LinkedHashMap<>(definedMetrics);
    }
  }

  /**
   * When each MetricDefinitions metric's last value was found (its line reached the driver), for
   * FinalMetricDataList's Timestamp; call after {@link #definedMetrics()}.
   */
  synchronized Map<String, Instant> definedMetricTimes() {
    return new LinkedHashMap<>(definedTimes);
  }

  /** Ends the job's helper thread (the MetricDefinitions matcher) after matching what is queued. */
  void close() {
    metricDefinitions.close();
  }

  /** Marks the start of a wait for capacity (time that is neither training nor billed for spot). */
  synchronized void beginWait(Instant at) {
    waitingSince = at;
  }

  synchronized void endWait(Instant at) {
    if (waitingSince != null) {
      waitedSeconds += Duration.between(waitingSince, at).toMillis() / 1000.0;
      waitingSince = null;
    }
  }

  /** Seconds spent waiting for capacity so far, the wait under way included. */
  synchronized double waitedSeconds(Instant now) {
    double ongoing = waitingSince == null ? 0 : Duration.between(waitingSince, now).toMillis() / 1000.0;
    return waitedSeconds + ongoing;
  }

  void setPlannedRounds(int rounds) {
    this.plannedRounds = rounds;
  }

  /** Asks training to stop at the next round boundary; the first reason asked wins. */
  synchronized boolean requestStop(SecondaryStatus reason, String message) {
    if (stopReason != null) {
      return false;
    }
    stopReason = reason;
    stopMessage = message;
    return true;
  }

  SecondaryStatus stopReason() {
    return stopReason;
  }

  String stopMessage() {
    return stopMessage;
  }

  void requestCheckpoint() {
    synchronized (checkpointRequests) {
      checkpointRequested = true;
      checkpointRequestCount++;
    }
  }

  boolean takeCheckpointRequest() {
    synchronized (checkpointRequests) {
      boolean r = checkpointRequested;
      checkpointRequested = false;
      return r;
    }
  }

  /**
   * For a worker that polls: true once for each checkpoint request made since that worker last
   * polled (requests are counted per job; each worker keeps its own place in the count).
   */
  boolean pollCheckpointRequest(int rank) {
    synchronized (checkpointRequests) {
      long seen = checkpointRequests.getOrDefault(rank, 0L);
      checkpointRequests.put(rank, checkpointRequestCount);
      return checkpointRequestCount > seen;
    }
  }

  void heartbeat(Instant now) {
    synchronized (this) {
      record = record.toBuilder().kiln(record.kilnBuilder().heartbeatTime(now).build()).build();
      dirty = true;
    }
    save();
  }

  /**
   * Steps aside: another driver took the job over. This driver stops training and never writes the
   * record again.
   */
  void fence(String why) {
    if (!fenced) {
      LOG.warn("{}: {}; this driver stops writing the job", spec.name(), why);
    }
    fenced = true;
    requestStop(SecondaryStatus.Stopped, why);
  }

  /**
   * Writes the record and the log if anything changed since the last save. A storage failure is
   * logged and the change kept for the next save (a heartbeat's, or {@link #saveFinal}), so a
   * transient outage of the job root never ends the job by itself.
   */
  void save() {
    try {
      saveOrThrow();
    } catch (RuntimeException e) {
      if (!StorageRetry.storageFailure(e)) {
        throw e;
      }
      LOG.warn("{}: cannot write the job record now ({}); the next save tries again", spec.name(), e.getMessage());
    }
  }

  /**
   * The last save of a job: retries a storage failure with backoff over {@link #retryWindow}.
   *
   * @throws StorageRetry.Outage when the record still cannot be written after the window
   */
  void saveFinal() {
    StorageRetry.run(retryWindow, "the record of training job " + spec.name() + " in " + store.shownRoot(),
        line -> LOG.warn("{}: {}", spec.name(), line), this::saveOrThrow);
  }

  /** How long the final writes (record, model, final checkpoint) retry a storage failure. */
  void retryWindow(Duration window) {
    this.retryWindow = window;
  }

  Duration retryWindow() {
    return retryWindow;
  }

  private void saveOrThrow() {
    // writes happen in snapshot order: the heartbeat thread cannot write an older record over the
    // runner's newer one (never call save() while holding this object's monitor)
    synchronized (saveLock) {
      JobRecord snapshot;
      String logText;
      synchronized (this) {
        if (!dirty || fenced) {
          return;
        }
        snapshot = record;
        logText = log.toString();
        dirty = false;
      }
      // the log first: a reader that sees the record's new status (kiln logs -f, once the job ended)
      // then finds the log of the same moment
      try {
        store.writeLog(snapshot.trainingJobName(), logText);
        store.save(snapshot);
      } catch (RuntimeException e) {
        synchronized (this) {
          dirty = true;
        }
        throw e;
      }
    }
  }

  static String format(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Float.toString((float) v).replace("E", "e");
  }

  static long seconds(Instant from, Instant to) {
    return Math.max(1, (Duration.between(from, to).toMillis() + 999) / 1000);
  }
}
