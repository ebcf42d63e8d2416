package io.kiln.tuning.driver;

import io.kiln.job.JobStore;
import io.kiln.job.Json;
import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;

/**
 * Tuning job records beside training jobs' under the same job root:
 * {@code <root>/tuning-jobs/<name>/record.json}, {@code job.log}, {@code stop-request.json}.
 */
public final class TuningStore {
  private final String root;
  private final Store store;

  public TuningStore(String root, Configuration conf) {
    this.root = Uris.toHadoopUri(root, conf);
    this.store = new Store(conf);
  }

  public static TuningStore beside(JobStore jobs) {
    return new TuningStore(jobs.root(), jobs.store().conf());
  }

  public String root() {
    return root;
  }

  Store store() {
    return store;
  }

  public String directory(String name) {
    return Uris.join(root, "tuning-jobs", name) + "/";
  }

  public void create(TuningRecord record) {
    if (!store.createIfAbsent(directory(record.name()) + "record.json",
        Json.write(record).getBytes(StandardCharsets.UTF_8))) {
      throw KilnException.user("ResourceInUse: a tuning job named '" + record.name() + "' already exists in " + root
          + "; choose another name (see 'kiln describe-tuning " + record.name() + "')");
    }
  }

  public void save(TuningRecord record) {
    store.writeText(directory(record.name()) + "record.json", Json.write(record));
  }

  public Optional<TuningRecord> load(String name) {
    return store.readText(directory(name) + "record.json")
        .map(s -> Json.read(s, TuningRecord.class, "tuning job record of " + name));
  }

  public List<TuningRecord> list() {
    List<TuningRecord> out = new ArrayList<>();
    for (FileStatus s : store.list(Uris.join(root, "tuning-jobs") + "/")) {
      if (s.isDirectory()) {
        load(s.getPath().getName()).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparing(TuningRecord::creationTime, Comparator.nullsLast(Comparator.reverseOrder())));
    return out;
  }

  public void requestStop(String name, String reason) {
    store.writeText(directory(name) + "stop-request.json",
        Json.write(new JobStore.StopRequest(Instant.now(), reason)));
  }

  public Optional<JobStore.StopRequest> stopRequest(String name) {
    return store.readText(directory(name) + "stop-request.json")
        .map(s -> Json.read(s, JobStore.StopRequest.class, "stop request of " + name));
  }

  public void writeLog(String name, String text) {
    store.writeText(directory(name) + "job.log", text);
  }

  public Optional<String> readLog(String name) {
    return store.readText(directory(name) + "job.log");
  }
}
