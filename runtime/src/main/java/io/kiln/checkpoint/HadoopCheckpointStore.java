package io.kiln.checkpoint;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.kiln.barrier.HadoopConf;
import io.kiln.record.Json;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.KilnException;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints on any Hadoop filesystem (S3 through s3a, HDFS, local), one directory per saved
 * round: {@code <uri>/kiln-checkpoint-0000000040/files/...} holding the state's files and, written
 * last, {@code <uri>/kiln-checkpoint-0000000040/MANIFEST.json} listing every file with its size and
 * SHA-256 and the job that wrote it ({@link CheckpointIdentity}).
 *
 * <p>Files stream from the local disk to the store and back, hashed on the way, so a checkpoint
 * larger than the JVM's heap is fine. A checkpoint without a manifest is partial (its writer died);
 * one whose files do not match the manifest is corrupt. Neither is ever restored. After each save
 * the newest {@code keep} complete checkpoints are kept and older directories removed.
 */
public final class HadoopCheckpointStore implements CheckpointStore {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(HadoopCheckpointStore.class);
  static final String PREFIX = "kiln-checkpoint-";
  static final String MANIFEST = "MANIFEST.json";
  static final String FILES = "files/";
  private static final int FORMAT = 2;
  /** Test hook: while this file exists, a save pauses after its files and before its manifest. */
  public static final String PAUSE_FILE = "spark.kiln.checkpoint.test.pause-before-manifest-file";

  private final String uri;
  private final int keep;
  private final HadoopConf conf;
  private final long retryWindowSeconds;
  private transient Store store;

  public HadoopCheckpointStore(String uri, int keep, HadoopConf conf) {
    this(uri, keep, conf, 0);
  }

  /**
   * @param retryWindowSeconds how long a synchronous save retries a storage failure ({@link #writeRetryWindow()})
   */
  public HadoopCheckpointStore(String uri, int keep, HadoopConf conf, long retryWindowSeconds) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1");
    }
    this.uri = Uris.toHadoopUri(uri.endsWith("/") ? uri : uri + "/", conf.get());
    this.keep = keep;
    this.conf = conf;
    this.retryWindowSeconds = Math.max(0, retryWindowSeconds);
  }

  @Override
  public java.time.Duration writeRetryWindow() {
    return java.time.Duration.ofSeconds(retryWindowSeconds);
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

  /** A manifest: what a complete checkpoint holds and who wrote it. */
  record Manifest(
      @JsonProperty("Format") int format,
      @JsonProperty("Round") int round,
      @JsonProperty("Created") Instant created,
      @JsonProperty("Writer") Writer writer,
      @JsonProperty("Files") List<FileEntry> files) {}

  /** The job that wrote a checkpoint. */
  record Writer(
      @JsonProperty("Algorithm") String algorithm,
      @JsonProperty("HyperParameters") java.util.Map<String, String> hyperparameters,
      @JsonProperty("DataFingerprint") String dataFingerprint) {}

  /** One file of a checkpoint: its path relative to the checkpoint's {@code files/}. */
  record FileEntry(@JsonProperty("Name") String name, @JsonProperty("Size") long size,
      @JsonProperty("Sha256") String sha256) {}

  @Override
  public void save(int round, java.nio.file.Path directory, CheckpointIdentity writer) {
    String dir = directory(round);
    List<FileEntry> entries = new ArrayList<>();
    List<java.nio.file.Path> files;
    try (Stream<java.nio.file.Path> s = Files.walk(directory)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the checkpoint directory " + directory + ": " + e.getMessage(), e);
    }
    // a directory left by a writer that died at this round is partial: start it afresh
    if (store().exists(dir)) {
      store().delete(dir, true);
    }
    for (java.nio.file.Path f : files) {
      String name = directory.relativize(f).toString().replace(java.io.File.separatorChar, '/');
      MessageDigest digest = sha256();
      long[] size = {0};
      store().write(dir + FILES + name, out -> {
        try (InputStream in = Files.newInputStream(f)) {
          OutputStream hashing = new DigestOutputStream(out, digest);
          size[0] = in.transferTo(hashing);
          hashing.flush();
        }
      });
      entries.add(new FileEntry(name, size[0], HexFormat.of().formatHex(digest.digest())));
    }
    pauseIfAsked();
    Writer w = writer == null ? null
        : new Writer(writer.algorithm(), writer.hyperparameters(), writer.dataFingerprint());
    // the manifest is what makes the checkpoint visible: written last, in one piece
    store().writeText(dir + MANIFEST, Json.write(new Manifest(FORMAT, round, Instant.now(), w, entries)));
    retain();
  }

  @Override
  public List<Info> list() {
    List<Info> out = new ArrayList<>();
    for (int r : rounds()) {
      manifest(r).ifPresent(m -> out.add(info(m)));
    }
    return out;
  }

  private static Info info(Manifest m) {
    CheckpointIdentity writer = m.writer() == null ? null
        : new CheckpointIdentity(m.writer().algorithm(), m.writer().hyperparameters() == null
            ? java.util.Map.of() : m.writer().hyperparameters(), String.valueOf(m.writer().dataFingerprint()));
    return new Info(m.round(), m.created(), writer, m.files().stream().mapToLong(FileEntry::size).sum());
  }

  @Override
  public boolean restore(Info checkpoint, java.nio.file.Path directory) {
    String dir = directory(checkpoint.round());
    Optional<Manifest> manifest = manifest(checkpoint.round());
    if (manifest.isEmpty()) {
      return false;
    }
    java.nio.file.Path root = directory.toAbsolutePath().normalize();
    try {
      Files.createDirectories(root);
      for (FileEntry f : manifest.get().files()) {
        java.nio.file.Path target = root.resolve(f.name()).normalize();
        if (!target.startsWith(root) || target.equals(root)) {
          LOG.warn("Skipping checkpoint {}: file name {} leaves its directory", dir, f.name());
          clear(root);
          return false;
        }
        Files.createDirectories(target.getParent());
        Path source = store().path(dir + FILES + f.name());
        MessageDigest digest = sha256();
        long size;
        try (InputStream in = new DigestInputStream(store().fileSystem(source).open(source), digest)) {
          size = Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (java.io.FileNotFoundException e) {
          LOG.warn("Skipping checkpoint {}: {} is missing", dir, f.name());
          clear(root);
          return false;
        }
        if (size != f.size() || !HexFormat.of().formatHex(digest.digest()).equals(f.sha256())) {
          LOG.warn("Skipping checkpoint {}: {} does not match its checksum (corrupt)", dir, f.name());
          clear(root);
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw KilnException.internal("Cannot restore checkpoint " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void clear(java.nio.file.Path root) throws IOException {
    try (Stream<java.nio.file.Path> s = Files.walk(root)) {
      for (java.nio.file.Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(root)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** The manifest of {@code round}'s checkpoint when it is there and readable. */
  Optional<Manifest> manifest(int round) {
    String dir = directory(round);
    Optional<String> text;
    try {
      text = store().readText(dir + MANIFEST);
    } catch (KilnException e) {
      LOG.warn("Skipping checkpoint {}: cannot read its manifest ({})", dir, e.getMessage());
      return Optional.empty();
    }
    if (text.isEmpty()) {
      LOG.debug("Checkpoint {} has no manifest (its writer did not finish)", dir);
      return Optional.empty();
    }
    Manifest m;
    try {
      m = Json.MAPPER.readValue(text.get(), Manifest.class);
    } catch (IOException e) {
      LOG.warn("Skipping checkpoint {}: its manifest is not valid JSON", dir);
      return Optional.empty();
    }
    if (m.format() != FORMAT || m.round() != round || m.files() == null) {
      LOG.warn("Skipping checkpoint {}: its manifest is of format {} for round {}", dir, m.format(), m.round());
      return Optional.empty();
    }
    return Optional.of(m);
  }

  /** Rounds that have a checkpoint directory, newest first (complete or not). */
  List<Integer> rounds() {
    List<Integer> out = new ArrayList<>();
    for (Store.Entry s : store().list(uri)) {
      String name = s.name();
      if (s.directory() && name.startsWith(PREFIX)) {
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
    while (Files.exists(p)) {
      try {
        Files.writeString(p.resolveSibling(p.getFileName() + ".paused"), "paused", StandardCharsets.UTF_8);
        Thread.sleep(100);
      } catch (IOException e) {
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
