package io.kiln.cli;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.spi.KilnException;
import java.time.Instant;

/** What the read-side commands share: the job store, opened without starting Spark. */
public abstract class StoreCommand {
  protected JobStore store(CommonOptions common) {
    KilnSettings s = common.settings();
    return new JobStore(s.jobRoot(), s.hadoopConf());
  }

  static JobRecord load(JobStore store, String name) {
    return store.load(name).map(r -> r.asSeenAt(Instant.now())).orElseThrow(() -> new KilnException(
        io.kiln.spi.ErrorType.INTERNAL, "ResourceNotFound: no training job named '" + name + "' in " + store.root()));
  }
}
