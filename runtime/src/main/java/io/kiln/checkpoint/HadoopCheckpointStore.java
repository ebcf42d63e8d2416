package io.kiln.checkpoint;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kiln.barrier.HadoopConf;
import io.kiln.job.Json;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints on any Hadoop filesystem (S3 through s3a, HDFS, local), one directory per saved
 * round: {@code <uri>/kiln-checkpoint-0000000040/} holding the state's files and, written last,
 * {@code MANIFEST.json} listing every file with its size and SHA-256.
 *
 * <p>A checkpoint without a manifest is partial (its writer died); one whose files do not match the
 * manifest is corrupt. Neither is ever restored: {@link #latest()} skips them with a warning and
 * returns the newest good one. After each save the newest {@code keep} complete checkpoints are
 * kept and older directories removed.
 */
public final class HadoopCheckpointStore implements CheckpointStore {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(HadoopCheckpointStore.class);
  static final String PREFIX = "kiln-checkpoint-";
  static final String MANIFEST = "MANIFEST.json";
  /** Test hook: while this file exists, a save pauses after its files and before its manifest. */
  public static final String PAUSE_FILE = "spark.kiln.checkpoint.test.pause-before-manifest-file";

  private final String uri;
  private final int keep;
  private final HadoopConf conf;
  private transient Store store;

  public HadoopCheckpointStore(String uri, int keep, HadoopConf conf) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1");
    }
    this.uri = Uris.toHadoopUri(uri.endsWith("/") ? uri : uri + "/", conf.get());
    this.keep = keep;
    this.conf = conf;
  }

  public String uri() {
    return uri;
  }

  private Store store() {
    if (store == null) {
      store = new Store(conf.get());
    }
    return store;
  }

  /** A manifest: what a complete checkpoint holds. */
  record Manifest(
      @JsonProperty("Format") int format,
      @JsonProperty("Round") int round,
      @JsonProperty("Created") Instant created,
      @JsonProperty("Files") List<FileEntry> files) {}

  /** One file of a checkpoint. */
  record FileEntry(@JsonProperty("Name") String name, @JsonProperty("Size") long size,
      @JsonProperty("Sha256") String sha256) {}

  @Override
  public void save(int round, Map<String, byte[]> files) {
    String dir = directory(round);
    List<FileEntry> entries = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : new TreeMap<>(files).entrySet()) {
      if (f.getKey().contains("/") || f.getKey().equals(MANIFEST) || f.getKey().startsWith(".")) {
        throw new IllegalArgumentException("bad checkpoint file name " + f.getKey());
      }
      store().write(dir + f.getKey(), f.getValue());
      entries.add(new FileEntry(f.getKey(), f.getValue().length, sha256(f.getValue())));
    }
    pauseIfAsked();
    // the manifest is what makes the checkpoint visible: written last, in one piece
    store().writeText(dir + MANIFEST, Json.write(new Manifest(1, round, Instant.now(), entries)));
    retain();
  }

  @Override
  public Optional<Checkpoint> latest() {
    return latestAtOrBefore(Integer.MAX_VALUE);
  }

  @Override
  public Optional<Checkpoint> latestAtOrBefore(int round) {
    for (int r : rounds()) {
      if (r > round) {
        continue;
      }
      Optional<Checkpoint> c = load(r);
      if (c.isPresent()) {
        return c;
      }
    }
    return Optional.empty();
  }

  /** The checkpoint of {@code round} if it is complete and every file matches its checksum. */
  Optional<Checkpoint> load(int round) {
    String dir = directory(round);
    Optional<String> manifestText;
    try {
      manifestText = store().readText(dir + MANIFEST);
    } catch (KilnException e) {
      LOG.warn("Skipping checkpoint {}: cannot read its manifest ({})", dir, e.getMessage());
      return Optional.empty();
    }
    if (manifestText.isEmpty()) {
      LOG.warn("Skipping checkpoint {}: it has no manifest (its writer did not finish)", dir);
      return Optional.empty();
    }
    Manifest manifest;
    try {
      manifest = Json.MAPPER.readValue(manifestText.get(), Manifest.class);
    } catch (java.io.IOException e) {
      LOG.warn("Skipping checkpoint {}: its manifest is not valid JSON", dir);
      return Optional.empty();
    }
    if (manifest.round() != round || manifest.files() == null) {
      LOG.warn("Skipping checkpoint {}: its manifest is for round {}", dir, manifest.round());
      return Optional.empty();
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (FileEntry f : manifest.files()) {
      Optional<byte[]> bytes;
      try {
        bytes = store().read(dir + f.name());
      } catch (KilnException e) {
        LOG.warn("Skipping checkpoint {}: cannot read {} ({})", dir, f.name(), e.getMessage());
        return Optional.empty();
      }
      if (bytes.isEmpty() || bytes.get().length != f.size() || !sha256(bytes.get()).equals(f.sha256())) {
        LOG.warn("Skipping checkpoint {}: {} is missing or does not match its checksum (corrupt)", dir, f.name());
        return Optional.empty();
      }
      files.put(f.name(), bytes.get());
    }
    return Optional.of(new Checkpoint(round, files));
  }

  /** Rounds that have a checkpoint directory, newest first (complete or not). */
  List<Integer> rounds() {
    List<Integer> out = new ArrayList<>();
    for (FileStatus s : store().list(uri)) {
      String name = s.getPath().getName();
      if (s.isDirectory() && name.startsWith(PREFIX)) {
        try {
          out.add(Integer.parseInt(name.substring(PREFIX.length())));
        } catch (NumberFormatException ignored) {
          // not ours
        }
      }
    }
    out.sort(Comparator.reverseOrder());
    return out;
  }

  private void retain() {
    List<Integer> rounds = rounds();
    int complete = 0;
    for (int r : rounds) {
      if (complete >= keep) {
        store().delete(directory(r), true);
      } else if (store().exists(directory(r) + MANIFEST)) {
        complete++;
      }
    }
  }

  String directory(int round) {
    return uri + String.format("%s%010d/", PREFIX, round);
  }

  private void pauseIfAsked() {
    String pause = conf.get().get(PAUSE_FILE);
    if (pause == null) {
      return;
    }
    java.nio.file.Path p = java.nio.file.Paths.get(pause);
    while (java.nio.file.Files.exists(p)) {
      try {
        java.nio.file.Files.writeString(p.resolveSibling(p.getFileName() + ".paused"), "paused",
            StandardCharsets.UTF_8);
        Thread.sleep(100);
      } catch (java.io.IOException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
