package io.kiln.runner;

import io.kiln.record.JobRecord;
import io.kiln.channel.ChannelLister;
import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;

/** What the driver asks of a job's checkpoint location: which checkpoints are the job's own. */
final class JobCheckpoints {
  private JobCheckpoints() {}

  /** The newest checkpoint {@code identity} wrote; with no identity (the data was never listed), none. */
  static Optional<CheckpointStore.Info> own(CheckpointStore checkpoints, CheckpointIdentity identity) {
    if (identity == null) {
      return Optional.empty();
    }
    return checkpoints.list().stream().filter(c -> identity.equals(c.writer())).findFirst();
  }

  /** Says once, in the log and the record's notices, that the location holds another job's checkpoint. */
  static void noticeForeign(RunningJob job, CheckpointStore checkpoints, CheckpointIdentity identity) {
    for (CheckpointStore.Info c : checkpoints.list()) {
      if (!identity.equals(c.writer())) {
        job.notice("The checkpoint location holds a checkpoint (after round " + c.round() + ") that another job "
            + "wrote (" + (c.writer() == null ? "it names no writer" : c.writer().differences(identity))
            + "); it is not restored");
        return;
      }
    }
  }

  /** The job's checkpoint identity from a fresh listing of its channels, or null when they cannot be listed. */
  static CheckpointIdentity identityOrNull(RunningJob job, Admission.Validated v, Configuration hadoop) {
    try {
      ChannelLister lister = new ChannelLister(hadoop);
      Map<String, ChannelData> channels = new LinkedHashMap<>();
      for (ChannelSpec c : job.spec().channels()) {
        channels.put(c.name(), lister.list(c, v.formats().get(c.name()), v.contentTypes().get(c.name()).parameters()));
      }
      return CheckpointIdentities.of(job.spec(), v.algorithm().name(), v.algorithm().resourceHyperparameter(),
          channels);
    } catch (RuntimeException e) {
      job.log("WARN cannot list the channels to find this job's checkpoints: " + e.getMessage());
      return null;
    }
  }

  /** When the work the next attempt keeps was done: the newest own checkpoint's round, else the attempt start. */
  static Instant restorePoint(RunningJob job, CheckpointStore checkpoints, CheckpointIdentity identity,
      Instant attemptStart) {
    if (checkpoints == null) {
      return attemptStart;
    }
    Optional<Integer> round = own(checkpoints, identity).map(CheckpointStore.Info::round);
    if (round.isEmpty() || round.get() == 0) {
      return attemptStart;
    }
    return job.record().kiln().metricHistory().stream()
        .filter(m -> m.round() == round.get() - 1 && !m.timestamp().isBefore(attemptStart))
        .map(JobRecord.RoundMetrics::timestamp).findFirst().orElse(attemptStart);
  }
}
