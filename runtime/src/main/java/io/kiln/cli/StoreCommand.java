package io.kiln.cli;

import io.kiln.record.Arns;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.ResourceNotFoundException;
import java.time.Instant;

/**
 * What the read-side commands share: the job store, opened without starting Spark (Hadoop's
 * FileSystem with the {@code spark.hadoop.*} settings the CLI resolves, s3a included; a local job
 * root read directly, see {@link io.kiln.storage.Store}), and the ARNs
 * their documents name.
 */
public abstract class StoreCommand {
  protected JobStore store(CommonOptions common) {
    KilnSettings s = common.settings();
    // the Hadoop configuration only when the job root is not local (it costs a short command a
    // third of its time)
    return new JobStore(s.jobRoot(), new io.kiln.storage.Store(s::hadoopConf));
  }

  /** The ARNs for records written before Kiln kept them: from the {@code spark.kiln.arn.*} settings. */
  protected static Arns arns(CommonOptions common) {
    return Arns.from(common.settings().values());
  }

  /**
   * A training job's record as a reader sees it now.
   *
   * @throws ResourceNotFoundException when there is no such job (exit code 4)
   */
  static JobRecord load(JobStore store, String name) {
    return store.load(name).map(r -> r.asSeenAt(Instant.now()))
        .orElseThrow(() -> ResourceNotFoundException.of("training job", name, store.shownRoot()));
  }
}
