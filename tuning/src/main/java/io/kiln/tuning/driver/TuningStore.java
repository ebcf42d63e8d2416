package io.kiln.tuning.driver;

import io.kiln.record.JobStore;
import io.kiln.record.RecordStore;
import io.kiln.storage.Store;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/**
 * Tuning job records beside training jobs' under the same job root:
 * {@code <root>/tuning-jobs/<name>/record.json}, {@code job.log}, {@code stop-request.json}. The
 * tuning side of the one {@link RecordStore}.
 */
public final class TuningStore {
  /** The folder and kind of tuning records under a job root. */
  public static final String FOLDER = "tuning-jobs";
  public static final RecordStore.Kind KIND = new RecordStore.Kind("tuning job", "describe-tuning");

  private final RecordStore<TuningRecord> records;

  public TuningStore(String root, Configuration conf) {
    this(new JobStore(root, conf));
  }

  private TuningStore(JobStore jobs) {
    this.records = jobs.beside(FOLDER, KIND, TuningRecord.class, TuningRecord::name, TuningRecord::creationTime);
  }

  public static TuningStore beside(JobStore jobs) {
    return new TuningStore(jobs);
  }

  public String root() {
    return records.root();
  }

  Store store() {
    return records.store();
  }

  public String directory(String name) {
    return records.directory(name);
  }

  /** Creates a new tuning job's record; throws ResourceInUse when one of that name exists. */
  public void create(TuningRecord record) {
    records.create(record);
  }

  public void save(TuningRecord record) {
    records.save(record);
  }

  public Optional<TuningRecord> load(String name) {
    return records.load(name);
  }

  /** All tuning jobs, newest first. */
  public List<TuningRecord> list() {
    return records.list();
  }

  public void requestStop(String name, String reason) {
    records.requestStop(name, reason);
  }

  public Optional<RecordStore.StopRequest> stopRequest(String name) {
    return records.stopRequest(name);
  }

  public void writeLog(String name, String text) {
    records.writeLog(name, text);
  }

  public Optional<String> readLog(String name) {
    return records.readLog(name);
  }
}
