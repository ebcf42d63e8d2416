package io.kiln.job;

import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;

/**
 * Job records under a job root on any Hadoop filesystem ({@code file://}, {@code s3a://}, HDFS):
 * {@code <root>/training-jobs/<name>/record.json} with {@code job.log} and, when someone asked,
 * {@code stop-request.json} beside it. Records are written whole (see {@link Store}).
 */
public final class JobStore {
  public static final String DEFAULT_ROOT = Paths.get(System.getProperty("user.home"), ".kiln", "jobs")
      .toUri().toString();

  private final String root;
  private final Store store;

  public JobStore(String root, Configuration conf) {
    this.root = Uris.toHadoopUri(root, conf);
    this.store = new Store(conf);
  }

  public String root() {
    return root;
  }

  public Store store() {
    return store;
  }

  public String jobDirectory(String name) {
    return Uris.join(root, "training-jobs", name) + "/";
  }

  private String recordUri(String name) {
    return jobDirectory(name) + "record.json";
  }

  /** Creates a new job's record; throws ResourceInUse when a job of that name exists. */
  public void create(JobRecord record) {
    if (!store.createIfAbsent(recordUri(record.trainingJobName()), Json.write(record).getBytes(
        java.nio.charset.StandardCharsets.UTF_8))) {
      throw KilnException.user("ResourceInUse: a training job named '" + record.trainingJobName()
          + "' already exists in " + root + "; choose another name (see 'kiln describe "
          + record.trainingJobName() + "')");
    }
  }

  public void save(JobRecord record) {
    store.writeText(recordUri(record.trainingJobName()), Json.write(record));
  }

  public Optional<JobRecord> load(String name) {
    return store.readText(recordUri(name)).map(s -> Json.read(s, JobRecord.class, "job record of " + name));
  }

  /** All jobs, newest first. */
  public List<JobRecord> list() {
    List<JobRecord> out = new ArrayList<>();
    for (FileStatus s : store.list(Uris.join(root, "training-jobs") + "/")) {
      if (s.isDirectory()) {
        load(s.getPath().getName()).ifPresent(out::add);
      }
    }
    out.sort(Comparator.comparing(JobRecord::creationTime, Comparator.nullsLast(Comparator.reverseOrder())));
    return out;
  }

  public void requestStop(String name, String reason) {
    store.writeText(jobDirectory(name) + "stop-request.json",
        Json.write(new StopRequest(Instant.now(), reason)));
  }

  public Optional<StopRequest> stopRequest(String name) {
    return store.readText(jobDirectory(name) + "stop-request.json")
        .map(s -> Json.read(s, StopRequest.class, "stop request of " + name));
  }

  public void clearStopRequest(String name) {
    store.delete(jobDirectory(name) + "stop-request.json", false);
  }

  public void writeLog(String name, String text) {
    store.writeText(jobDirectory(name) + "job.log", text);
  }

  public Optional<String> readLog(String name) {
    return store.readText(jobDirectory(name) + "job.log");
  }

  /** A request, from another process, that a job stop. */
  public record StopRequest(
      @com.fasterxml.jackson.annotation.JsonProperty("RequestTime") Instant requestTime,
      @com.fasterxml.jackson.annotation.JsonProperty("Reason") String reason) {}
}
