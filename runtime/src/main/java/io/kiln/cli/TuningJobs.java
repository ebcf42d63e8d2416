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

  static List<JsonNode> list(JobStore store) {
    return records(store).list();
  }

  static void requestStop(JobStore store, String name, String reason) {
    records(store).requestStop(name, reason);
  }
}
