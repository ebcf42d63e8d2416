package io.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.record.JobStore;
import io.kiln.record.RecordStore;
import java.time.Instant;
import java.util.List;

/**
 * Tuning jobs as {@code list} and {@code stop} see them: records under the job root's
 * {@code tuning-jobs/} in the one {@link RecordStore}, read as JSON (the tuning module owns their
 * shape).
 */
final class TuningJobs {
  private TuningJobs() {}

  static RecordStore<JsonNode> records(JobStore store) {
    return store.beside(JobStore.TUNING_JOBS, JobStore.TUNING_JOB, JsonNode.class,
        n -> n.path("HyperParameterTuningJobName").asText(), TuningJobs::created);
  }

  private static Instant created(JsonNode n) {
    String t = n.path("CreationTime").asText(null);
    if (t == null) {
      return null;
    }
    try {
      return io.kiln.record.AwsTime.parse(t);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static boolean exists(JobStore store, String name) {
    return records(store).exists(name);
  }

  static RecordStore.Listing<JsonNode> list(JobStore store) {
    return records(store).list();
  }

  /**
   * A tuning job's HyperParameterTuningJobStatus as a reader sees it now (Failed once its driver's
   * heartbeat lapsed, as {@code describe-tuning} shows it), or empty when there is no such job.
   */
  static java.util.Optional<String> status(JobStore store, String name) {
    return records(store).load(name).map(n -> {
      String status = n.path("HyperParameterTuningJobStatus").asText();
      JsonNode k = n.path("Kiln");
      boolean terminal = status.equals("Completed") || status.equals("Failed") || status.equals("Stopped");
      if (!terminal && k.hasNonNull("HeartbeatTime")) {
        Instant beat = io.kiln.record.AwsTime.parse(k.get("HeartbeatTime").asText());
        Long lapse = k.hasNonNull("HeartbeatLapseSeconds") ? k.get("HeartbeatLapseSeconds").asLong() : null;
        Long interval = k.hasNonNull("HeartbeatIntervalSeconds") ? k.get("HeartbeatIntervalSeconds").asLong() : null;
        if (io.kiln.record.Heartbeat.lapsed(beat, lapse, interval, Instant.now())) {
          return "Failed";
        }
      }
      return status;
    });
  }

  static java.util.Optional<String> readLog(JobStore store, String name) {
    return records(store).readLog(name);
  }

  static void requestStop(JobStore store, String name, String reason) {
    records(store).requestStop(name, reason);
  }
}
