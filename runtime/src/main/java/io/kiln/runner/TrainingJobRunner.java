package io.kiln.runner;

import io.kiln.record.AwsTime;
import io.kiln.record.JobRecord;
import io.kiln.record.JobRecords;
import io.kiln.record.JobStore;
import io.kiln.record.Lease;
import io.kiln.record.SecondaryStatus;
import io.kiln.barrier.ControlServer;
import io.kiln.barrier.HadoopConf;
import io.kiln.channel.ChannelLister;
import io.kiln.channel.InputSplit;
import io.kiln.channel.SplitPlanner;
import io.kiln.checkpoint.HadoopCheckpointStore;
import io.kiln.spec.ChannelSpec;
import io.kiln.spec.Names;
import io.kiln.spec.SpecJson;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import io.kiln.spi.MediaType;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.StorageRetry;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Runs one training job on a SparkSession, end to end: record, checks, channel listing, training
 * on the workers, model.tar.gz, final status. The CLI and notebooks both come here.
 *
 * <p>Training runs in attempts. An attempt that loses capacity (an executor lost, a spot reclaim)
 * is recorded as SageMaker records a spot interruption (Interrupted, then Starting / Downloading /
 * Training again); the runner waits for capacity, bounded by MaxWaitTimeInSeconds for spot jobs
 * and MaxPendingTimeInSeconds otherwise, then starts a new attempt, whose workers restore the
 * newest checkpoint themselves. When capacity does not return in time the job falls back to fewer
 * workers or another master if the spec allows, else it ends.
 */
public final class TrainingJobRunner {
  /** Exit code for a job that failed because its spec was bad (unknown algorithm, bad hyperparameter). */
  public static final int EXIT_BAD_SPEC = 2;
  /** How long a job without MaxPendingTimeInSeconds waits for lost capacity. */
  public static final String MAX_PENDING = "spark.kiln.capacity.max-pending-seconds";
  public static final long MAX_PENDING_DEFAULT = 600;
  /** How long to wait for lost capacity before a fallback (fewer workers, another master) is used. */
  public static final String FALLBACK_AFTER = "spark.kiln.capacity.fallback-after-seconds";
  public static final long FALLBACK_AFTER_DEFAULT = 120;
  /** Checkpoints kept per job. */
  public static final String CHECKPOINTS_KEPT = "spark.kiln.checkpoint.keep";
  public static final int CHECKPOINTS_KEPT_DEFAULT = 3;

  /** Moves a job to another Spark master: a new session there, or empty when not possible. */
  @FunctionalInterface
  public interface MasterSwitch {
    Optional<SparkSession> switchTo(String master);
  }

  private SparkSession spark;
  private final JobStore store;
  private final Algorithms algorithms;
  private final KilnConf conf;
  private final MasterSwitch masterSwitch;
  private final Map<String, RunningJob> active = new java.util.concurrent.ConcurrentHashMap<>();

  public TrainingJobRunner(SparkSession spark, JobStore store, Algorithms algorithms) {
    this(spark, store, algorithms, master -> Optional.empty());
  }

  public TrainingJobRunner(SparkSession spark, JobStore store, Algorithms algorithms, MasterSwitch masterSwitch) {
    this.spark = spark;
    this.store = store;
    this.algorithms = algorithms;
    SessionSetup.prepare(spark);
    this.conf = KilnConf.of(spark);
    this.masterSwitch = masterSwitch;
  }

  /**
   * A runner on the session's own settings: job root from {@code spark.kiln.job-root} as the
   * session's runtime conf has it now ({@link KilnConf#of}: a {@code spark.conf().set} made after the
   * session was built counts). Like every runner, it gives the session's Hadoop configuration the
   * {@code AWS_*} environment variables' s3a settings where none are set explicitly, and on local
   * Spark makes Spark 3.5's barrier task timer a daemon thread ({@code SessionSetup}).
   */
  public static TrainingJobRunner on(SparkSession spark) {
    return on(spark, master -> Optional.empty());
  }

  /** A runner that may move jobs to a fallback master through {@code masterSwitch}. */
  public static TrainingJobRunner on(SparkSession spark, MasterSwitch masterSwitch) {
    KilnConf kc = KilnConf.of(spark);
    return new TrainingJobRunner(spark, new JobStore(kc.jobRoot(), spark.sparkContext().hadoopConfiguration()),
        Algorithms.load(), masterSwitch);
  }

  public JobStore store() {
    return store;
  }

  /** The session the runner works on now (another one after a move to a fallback master). */
  public SparkSession spark() {
    return spark;
  }

  public JobResult run(TrainingJobSpec spec) {
    return run(spec, JobListener.NONE);
  }

  /**
   * Runs the job and returns how it ended. Throws only when the job could not even be created
   * (a job of that name exists): then no record was written.
   */
  public JobResult run(TrainingJobSpec spec, JobListener listener) {
    return run(spec, listener, null);
  }

  /**
   * Runs a job that belongs to a tuning job (a trial): like {@link #run(TrainingJobSpec, JobListener)},
   * with the tuning job named in the record.
   */
  public JobResult run(TrainingJobSpec spec, JobListener listener, String tuningJobName) {
    SparkContext sc = spark.sparkContext();
    Instant created = Instant.now();
    JobRecord record = JobRecords.created(spec, created, sc.master(), sc.applicationId(), conf.controlHost(),
        conf.heartbeatIntervalSeconds(), conf.heartbeatLapseSeconds());
    String owner = UUID.randomUUID().toString();
    record = record.toBuilder().kiln(record.kilnBuilder().leaseEpoch(0).leaseOwner(owner).tuningJobName(tuningJobName)
        .build()).build();
    record = io.kiln.record.TrainingJobDescription.identified(record, conf.arns(), tuningJobName);
    store.create(record);
    RunningJob job = new RunningJob(store, spec, record, listener);
    job.log("Created training job " + spec.name() + " (algorithm " + spec.algorithm().name() + ", "
        + spec.resources().workers() + " worker(s), Spark " + sc.version() + ", master " + sc.master() + ")");
    spec.notices().forEach(job::notice);
    return execute(job, 0, false);
  }

  /**
   * Takes over a job whose driver died ({@code kiln train --resume}): only once its heartbeat has
   * lapsed, and only one of several resuming drivers wins. Training continues from the newest
   * checkpoint. A job that ended Failed because storage stayed out past the retry window of its
   * final writes ({@link StorageRetry#OUTAGE} in its FailureReason) is resumed too, when its
   * checkpoint location holds a checkpoint.
   */
  public JobResult resume(String name, JobListener listener) {
    JobRecord record = store.load(name).orElseThrow(() -> io.kiln.record.ResourceNotFoundException.of(
        "training job", name, store.shownRoot()));
    boolean afterOutage = failedOnStorage(record);
    if (afterOutage) {
      requireCheckpoints(record, name);
    } else if (record.trainingJobStatus().terminal()) {
      throw KilnException.user("Training job '" + name + "' already ended (" + record.trainingJobStatus()
          + "); nothing to resume");
    }
    if (!afterOutage && !record.driverLost(Instant.now())) {
      throw KilnException.user("Training job '" + name + "' still has a live driver (" + record.kiln().driverHost()
          + ", pid " + record.kiln().driverPid() + ", heartbeat " + AwsTime.format(record.kiln().heartbeatTime())
          + "); resume it only after its heartbeat has lapsed");
    }
    int epoch = (record.kiln().leaseEpoch() == null ? 0 : record.kiln().leaseEpoch()) + 1;
    String owner = UUID.randomUUID().toString();
    if (!Lease.claim(store.store(), store.jobDirectory(name), epoch, owner)) {
      throw KilnException.user("Training job '" + name + "' was taken over by another driver (lease epoch "
          + epoch + "); not resuming it twice");
    }
    TrainingJobSpec spec = SpecJson.fromKilnSpec(record.kiln().spec(), "the record of " + name);
    SparkContext sc = spark.sparkContext();
    JobRecord.Builder resumed = record.toBuilder();
    if (afterOutage) {
      // the job goes on: its failure (and the end it recorded) is history, kept in the transitions
      resumed.failureReason(null).trainingEndTime(null).modelArtifacts(null);
    }
    JobRecord taken = resumed.kiln(record.kilnBuilder().leaseEpoch(epoch).leaseOwner(owner)
        .driverHost(conf.controlHost()).driverPid(ProcessHandle.current().pid()).sparkMaster(sc.master())
        .applicationId(sc.applicationId()).heartbeatTime(Instant.now())
        .heartbeatIntervalSeconds(conf.heartbeatIntervalSeconds())
        .heartbeatLapseSeconds(conf.heartbeatLapseSeconds()).build()).build();
    store.save(taken);
    RunningJob job = new RunningJob(store, spec, taken, listener);
    job.continueLog(store.readLog(name).orElse(null));
    job.log("Resumed by a new driver on " + conf.controlHost() + " (pid " + ProcessHandle.current().pid()
        + ", lease epoch " + epoch + ")" + (afterOutage ? " after it failed on a storage outage" : ""));
    return execute(job, epoch, true);
  }

  /** Whether the job ended Failed because storage stayed out past the retry window of its final writes. */
  static boolean failedOnStorage(JobRecord record) {
    return record.trainingJobStatus() == io.kiln.record.TrainingJobStatus.Failed && record.failureReason() != null
        && record.failureReason().startsWith(JobResult.errorCode(ErrorType.INTERNAL) + ": " + StorageRetry.OUTAGE + ":");
  }

  /** A job that failed on a storage outage resumes from a checkpoint: it must have one. */
  private void requireCheckpoints(JobRecord record, String name) {
    TrainingJobSpec spec = SpecJson.fromKilnSpec(record.kiln().spec(), "the record of " + name);
    if (spec.checkpoint() == null) {
      throw KilnException.user("Training job '" + name + "' failed on a storage outage but has no checkpoint "
          + "location (CheckpointConfig.S3Uri, checkpoint.uri) to resume from; run it again under another name");
    }
    List<CheckpointStore.Info> saved = new HadoopCheckpointStore(spec.checkpoint().uri(), 1,
        new HadoopConf(spark.sparkContext().hadoopConfiguration())).list();
    if (saved.isEmpty()) {
      throw KilnException.user("Training job '" + name + "' failed on a storage outage and " + spec.checkpoint().uri()
          + " holds no checkpoint to resume from; run it again under another name");
    }
  }

  /**
   * Asks a job this runner is running to stop at its next round boundary, keeping the model so far
   * (the tuner's early stopping, a tuning job being stopped). Returns false when no such job runs
   * here.
   */
  public boolean requestStop(String name, String reason) {
    RunningJob job = active.get(name);
    if (job == null) {
      return false;
    }
    job.stopWith(SecondaryStatus.Stopped, reason, "Stopping the training job (" + reason + ")");
    return true;
  }

  /**
   * The message of an unexpected error on the driver; a {@link LinkageError} says that another
   * copy of a library came first on the classpath.
   */
  public static String internalError(Throwable e) {
    String m = "Internal error: " + e;
    if (e instanceof LinkageError) {
      m += " (a class on the classpath is not the version Kiln was built against: another copy of that library"
          + " comes first, e.g. the cluster's own)";
    }
    return m;
  }

  /**
   * Moves jobs to another Spark master (a capacity fallback) when this runner may: the new session
   * becomes the runner's.
   */
  Optional<SparkSession> moveTo(String master) {
    Optional<SparkSession> moved = masterSwitch.switchTo(master);
    moved.ifPresent(s -> spark = s);
    return moved;
  }

  /**
   * Runs a created (or taken over) job to its end. Each concern has its class: {@link Admission}
   * (may the job start), {@link Watchdog} (heartbeat, limits, lease), {@link Attempts} (attempts and
   * recovery), {@link JobFinisher} (outputs, final status); this method only wires them.
   */
  private JobResult execute(RunningJob job, int leaseEpoch, boolean resumed) {
    job.retryWindow(conf.storageRetryWindow());
    JobResult result = null;
    try {
      result = executeAttempts(job, leaseEpoch, resumed);
    } finally {
      try {
        job.saveFinal();
      } catch (StorageRetry.Outage e) {
        if (result != null) {
          result = recordUnwritten(job, e);
        }
      } finally {
        job.close();
        active.remove(job.spec().name());
      }
    }
    return result;
  }

  /**
   * The job's end when its record could not be written after the retry window: Failed (exit 1),
   * whatever the job did. The stored record still says InProgress; once its heartbeat lapses it
   * shows as driver lost and {@code kiln train --resume} takes it over.
   */
  private static JobResult recordUnwritten(RunningJob job, StorageRetry.Outage e) {
    String name = job.spec().name();
    String reason = JobFinisher.failureReason(new StorageRetry.Outage(e.what(), e.getMessage()
        + "; the stored record still says InProgress: once its heartbeat has lapsed, resume the job with "
        + "`kiln train --resume " + name + "`", e.getCause()));
    return new JobResult(name, io.kiln.record.TrainingJobStatus.Failed, SecondaryStatus.Failed, reason, null, 1,
        ErrorType.INTERNAL);
  }

  private JobResult executeAttempts(RunningJob job, int leaseEpoch, boolean resumed) {
    active.put(job.spec().name(), job);
    TrainingJobSpec spec = job.spec();
    Billing billing = new Billing(spec.managedSpot(), conf.sparkConf());
    JobFinisher finisher = new JobFinisher(store, job, billing);
    Path modelDirectory = null;
    Attempts attempts = null;
    String stagingRoot = JobOutputs.stagingRoot(spec.outputPath(), spec.name());
    try (Watchdog watchdog = new Watchdog(store, job, leaseEpoch, conf.heartbeatIntervalSeconds(),
        group -> spark.sparkContext().cancelJobGroup(group))) {
      Admission.Validated validated;
      try {
        validated = Admission.validate(spec, algorithms);
      } catch (KilnException e) {
        return finisher.failed(e, EXIT_BAD_SPEC);
      }
      try {
        validated.notices().forEach(job::notice);
        validated.plannedRounds().ifPresent(job::setPlannedRounds);
        Preflight.Cluster cluster = Admission.admit(spark.sparkContext(), spec, validated, conf);
        // after the storage probe (an unwritable output path is named there), before any training
        try {
          OutputClaim.claim(store.store(), spec.outputPath(),
              new OutputClaim.Owner(store.root(), spec.name(), job.record().creationTime()));
        } catch (KilnException e) {
          if (e.type() == ErrorType.USER) {
            return finisher.failed(e, EXIT_BAD_SPEC);
          }
          throw e;
        }
        CheckpointStore checkpoints = spec.checkpoint() == null ? null
            : new HadoopCheckpointStore(spec.checkpoint().uri(), conf.sparkConf()
                .getInt(CHECKPOINTS_KEPT, CHECKPOINTS_KEPT_DEFAULT),
                new HadoopConf(spark.sparkContext().hadoopConfiguration()), conf.storageRetryWindow().toSeconds());
        attempts = new Attempts(this, job, conf, validated, checkpoints, billing, finisher);
        if (resumed) {
          job.transition(SecondaryStatus.Restarting, "A new driver took over the job; restarting training");
        }
        if (job.stopReason() != null) {
          return attempts.stoppedBeforeTraining();
        }
        modelDirectory = Files.createTempDirectory("kiln-model-" + spec.name() + "-");
        return attempts.run(cluster, modelDirectory, stagingRoot);
      } catch (KilnException e) {
        return finisher.failed(e, 1);
      } catch (Throwable e) {
        // anything else, Errors included (a NoSuchMethodError from a library the cluster puts first):
        // the record says why the job failed instead of going on InProgress until "Driver lost"
        return finisher.failed(KilnException.internal(internalError(e), e), 1);
      }
    } finally {
      JobFinisher.deleteQuietly(modelDirectory);
      if (attempts != null && attempts.stagingHandedOut()) {
        JobOutputs.deleteStaging(store.store(), stagingRoot, job::log);
      }
    }
  }
}
