package io.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.job.JobStore;
import io.kiln.job.Json;
import io.kiln.storage.Uris;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;

/**
 * Tuning jobs as {@code list} and {@code stop} see them: records under the job root's
 * {@code tuning-jobs/}, read as JSON (the tuning module owns their shape).
 */
final class TuningJobs {
  private TuningJobs() {}

  static String directory(JobStore store, String name) {
    return Uris.join(store.root(), "tuning-jobs", name) + "/";
  }

  static boolean exists(JobStore store, String name) {
    return store.store().exists(directory(store, name) + "record.json");
  }

  static List<JsonNode> list(JobStore store) {
    List<JsonNode> out = new ArrayList<>();
    for (FileStatus s : store.store().list(Uris.join(store.root(), "tuning-jobs") + "/")) {
      if (s.isDirectory()) {
        store.store().readText(directory(store, s.getPath().getName()) + "record.json")
            .map(text -> Json.read(text, JsonNode.class, "tuning job record")).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparing((JsonNode n) -> n.path("CreationTime").asText()).reversed());
    return out;
  }

  static void requestStop(JobStore store, String name, String reason) {
    store.store().writeText(directory(store, name) + "stop-request.json",
        Json.write(new JobStore.StopRequest(Instant.now(), reason)));
  }
}
