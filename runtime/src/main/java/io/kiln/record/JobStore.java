package io.kiln.record;

import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Training job records under a job root on any Hadoop filesystem ({@code file://}, {@code s3a://},
 * HDFS): {@code <root>/training-jobs/<name>/record.json} with {@code job.log} and, when someone
 * asked, {@code stop-request.json} beside it. The training side of the one {@link RecordStore};
 * {@link #tuningJobs} gives the records of tuning jobs under the same root.
 */
public final class JobStore {
  public static final String DEFAULT_ROOT = Paths.get(System.getProperty("user.home"), ".kiln", "jobs")
      .toUri().toString();

  /** The folder of tuning job records under a job root, and how messages name them. */
  public static final String TUNING_JOBS = "tuning-jobs";
  public static final RecordStore.Kind TUNING_JOB = new RecordStore.Kind("tuning job", "describe-tuning");

  private final RecordStore<JobRecord> records;

  public JobStore(String root, Configuration conf) {
    this(root, new Store(conf));
  }

  /**
   * The records under {@code root} in {@code store}; a store with a lazily made configuration
   * ({@link Store#Store(java.util.function.Supplier)}) keeps a local job root free of Hadoop's
   * set-up (the read-only commands).
   */
  public JobStore(String root, Store store) {
    this.records = new RecordStore<>(Uris.toHadoopUri(root, store::conf),
        io.kiln.spec.SpecUris.masked(root.trim()), store, "training-jobs",
        new RecordStore.Kind("training job", "describe"), JobRecord.class, JobRecord::trainingJobName,
        JobRecord::creationTime, JobRecord::summaryReader);
  }

  /**
   * The records of another kind of job under the same root, e.g. tuning jobs ({@code tuning-jobs},
   * shown by {@code describe-tuning}).
   */
  public <R> RecordStore<R> beside(String folder, RecordStore.Kind kind, Class<R> type,
      java.util.function.Function<R, String> nameOf, java.util.function.Function<R, java.time.Instant> createdOf) {
    return new RecordStore<>(root(), shownRoot(), store(), folder, kind, type, nameOf, createdOf,
        () -> Json.MAPPER.readerFor(type));
  }

  /** The job root as a Hadoop URI ({@code s3a://} for a given {@code s3://}), the one read and written through. */
  public String root() {
    return records.root();
  }

  /**
   * The job root as messages show it: exactly as the user gave it, any credentials in it masked
   * ({@code s3://****@bucket/...}); see {@link RecordStore#shownRoot()}.
   */
  public String shownRoot() {
    return records.shownRoot();
  }

  public Store store() {
    return records.store();
  }

  public String jobDirectory(String name) {
    return records.directory(name);
  }

  /** Creates a new job's record; throws ResourceInUse when a job of that name exists. */
  public void create(JobRecord record) {
    records.create(record);
  }

  public void save(JobRecord record) {
    records.save(record);
  }

  public Optional<JobRecord> load(String name) {
    return records.load(name);
  }

  /**
   * All jobs, newest first, as {@code kiln list} shows them ({@link JobRecord#summaryReader()}: the
   * large members are left out; {@link #load} a job for all of it), and the records that exist but
   * cannot be read.
   */
  public RecordStore.Listing<JobRecord> list() {
    return records.list();
  }

  public void requestStop(String name, String reason) {
    records.requestStop(name, reason);
  }

  public Optional<RecordStore.StopRequest> stopRequest(String name) {
    return records.stopRequest(name);
  }

  public void clearStopRequest(String name) {
    records.clearStopRequest(name);
  }

  public void writeLog(String name, String text) {
    records.writeLog(name, text);
  }

  public Optional<String> readLog(String name) {
    return records.readLog(name);
  }
}
