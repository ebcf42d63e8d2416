package io.kiln.tuning.driver;

import io.kiln.record.JobStore;
import io.kiln.record.RecordStore;
import org.apache.hadoop.conf.Configuration;

/**
 * Where tuning job records live: beside training jobs' under the same job root,
 * {@code <root>/tuning-jobs/<name>/record.json}, {@code job.log}, {@code stop-request.json}, in the
 * one {@link RecordStore}.
 */
public final class TuningStore {
  private TuningStore() {}

  /** The tuning records under the job root of {@code jobs}. */
  public static RecordStore<TuningRecord> beside(JobStore jobs) {
    return jobs.beside(JobStore.TUNING_JOBS, JobStore.TUNING_JOB, TuningRecord.class, TuningRecord::name,
        TuningRecord::creationTime);
  }

  /** The tuning records under {@code root}. */
  public static RecordStore<TuningRecord> at(String root, Configuration conf) {
    return beside(new JobStore(root, conf));
  }

  /**
   * The tuning records under {@code root}, with the Hadoop configuration made only if the root is not
   * local (the read-only commands).
   */
  public static RecordStore<TuningRecord> at(String root, java.util.function.Supplier<Configuration> conf) {
    return beside(new JobStore(root, new io.kiln.storage.Store(conf)));
  }
}
