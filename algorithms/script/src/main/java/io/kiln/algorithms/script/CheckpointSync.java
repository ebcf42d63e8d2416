package io.kiln.algorithms.script;

import io.kiln.barrier.HadoopConf;
import io.kiln.spi.CheckpointLocation;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * A script job's checkpoint directory kept in step with the job's CheckpointConfig, as SageMaker
 * keeps {@code /opt/ml/checkpoints} in step with {@code CheckpointConfig.S3Uri}: before the script
 * starts, every file under the URI is downloaded into the worker's checkpoint directory
 * ({@link #restore}); while it runs, files that are new or changed since they were last synced are
 * uploaded every {@link Plan#intervalMillis} by a background thread ({@link #start}); when it ends, a
 * last sync ({@link #finish}). A file {@code checkpoints/a/b.pt} is the object {@code <S3Uri>/a/b.pt}:
 * no archive, no manifest, so a script (or a later job, or the user) reads the location as on
 * SageMaker.
 *
 * <p>Every worker does all three, to the same URI, as every SageMaker host syncs its own local path:
 * two workers writing the same file name overwrite each other's object (the last upload wins), so a
 * script that saves on several ranks names its files by rank, as SageMaker asks of distributed
 * scripts. Files are never deleted from the location (SageMaker does not either).
 *
 * <p>Uploads are whole files through the runtime's {@link Store}: on an object store the object
 * appears only when its upload completes, elsewhere a hidden temporary file is renamed over it, so
 * no reader sees half an object under its final key. A file the script is still writing may be
 * uploaded as it was then; it is uploaded again once it changes (its size or modification time),
 * and the last sync after the script's exit uploads its final state. Downloads go to a hidden
 * partial file moved into place.
 *
 * <p>Refused, as a {@link KilnException} USER naming the file: an object whose name under the URI is
 * absolute or has a {@code .} or {@code ..} segment (it would be written outside the directory), and,
 * at the end, a symbolic link (or other file that is not a regular file or directory) under the
 * checkpoint directory: a link may name any file on the worker, so it is never followed or uploaded.
 */
final class CheckpointSync {
  /** SageMaker's container root, which Kiln maps to each worker's directory. */
  static final String CONTAINER_ROOT = "/opt/ml";
  /** Our own partial downloads. */
  private static final String PARTIAL = ".kiln-partial";
  /** A hidden temporary file the runtime's {@link Store} writes before renaming it (non-object stores). */
  private static final Pattern STORE_TEMPORARY = Pattern.compile("^\\..+\\.[0-9a-f-]{36}\\.tmp$");

  /**
   * What the driver hands each worker.
   *
   * @param uri the checkpoint location in the form Hadoop writes ({@code s3a://}), ending in '/'
   * @param written the location as the job wrote it, for messages
   * @param relativeDir the checkpoint directory relative to the worker's root ({@code checkpoints})
   * @param localPath {@code CheckpointConfig.LocalPath} without a trailing '/', for messages
   * @param conf the Hadoop configuration that reaches the location
   * @param intervalMillis how often the background sync looks for new and changed files
   */
  record Plan(String uri, String written, String relativeDir, String localPath, HadoopConf conf,
      long intervalMillis) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * The plan for a job's checkpoint location, checked on the driver.
   *
   * @throws KilnException USER when LocalPath is not a directory under {@value #CONTAINER_ROOT}
   */
  static Plan plan(CheckpointLocation location, Configuration hadoop, long intervalMillis) {
    String uri = Uris.toHadoopUri(location.uri(), hadoop);
    String relative = relativeLocalPath(location.localPath());
    return new Plan(uri.endsWith("/") ? uri : uri + "/", location.uri(), relative, CONTAINER_ROOT + "/" + relative,
        new HadoopConf(hadoop), intervalMillis);
  }

  /**
   * LocalPath relative to the container root: {@code /opt/ml/checkpoints} (SageMaker's default) is
   * {@code checkpoints}. Kiln gives every worker its own root in place of {@code /opt/ml}, so a
   * LocalPath elsewhere cannot be honoured.
   *
   * @throws KilnException USER naming the LocalPath when it is not a directory below /opt/ml (another
   *     absolute path, a relative path, {@code /opt/ml} itself, or one with {@code .} / {@code ..} segments)
   */
  static String relativeLocalPath(String localPath) {
    String p = localPath == null ? "/opt/ml/checkpoints" : localPath.strip();
    while (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    String prefix = CONTAINER_ROOT + "/";
    boolean ok = p.startsWith(prefix) && p.length() > prefix.length() && p.chars().noneMatch(Character::isISOControl)
        && !p.contains("\\");
    if (ok) {
      for (String segment : p.substring(prefix.length()).split("/", -1)) {
        ok &= !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
      }
    }
    if (!ok) {
      throw KilnException.user("CheckpointConfig.LocalPath (checkpoint.localPath) '" + Messages.echo(localPath)
          + "' is not a directory under " + CONTAINER_ROOT + ", which Kiln maps to each worker's own directory "
          + "(SAGEMAKER_BASE_DIR); give a path below it without '.' or '..' segments, or leave it out for "
          + "/opt/ml/checkpoints");
    }
    return p.substring(prefix.length());
  }

  private final Plan plan;
  private final Path dir;
  private final Consumer<String> log;
  private final Store store;
  /** Each synced file's size and modification time (nanoseconds) when it was last uploaded or restored. */
  private final Map<String, long[]> synced = new HashMap<>();
  /** The first file refused at upload (a link), reported at the end. */
  private String refused;
  private Thread watcher;
  private boolean stopping;
  /** Wakes the background sync when it should stop (never interrupted mid-upload). */
  private final Object wake = new Object();

  /**
   * @param plan the job's location
   * @param root the worker's container root (its {@code /opt/ml})
   * @param log the job log, for what was restored, synced and refused
   */
  CheckpointSync(Plan plan, Path root, Consumer<String> log) {
    this.plan = plan;
    this.dir = root.resolve(plan.relativeDir()).toAbsolutePath().normalize();
    this.log = log;
    this.store = new Store(plan.conf().get());
  }

  /** The local checkpoint directory (created by {@link #restore}). */
  Path directory() {
    return dir;
  }

  /**
   * The local file for an object's name under the location ({@code a/b.pt}).
   *
   * @throws KilnException USER naming the object when the name is empty, absolute, holds a backslash
   *     or NUL, or has a {@code .} or {@code ..} segment
   */
  static Path localFile(Path dir, String name, String location) {
    boolean ok = !name.isEmpty() && !name.startsWith("/") && !name.contains("\\") && name.indexOf('\0') < 0;
    if (ok) {
      for (String segment : name.split("/", -1)) {
        ok &= !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
      }
    }
    Path target = dir.resolve(name).normalize();
    if (!ok || !target.startsWith(dir) || target.equals(dir)) {
      throw KilnException.user("The checkpoint location " + location + " (CheckpointConfig.S3Uri, checkpoint.uri) "
          + "holds '" + Messages.echo(name) + "', which would be written outside the checkpoint directory " + dir
          + "; remove or rename that object");
    }
    return target;
  }

  /**
   * Downloads every object under the location into the checkpoint directory (created when missing),
   * as SageMaker does before the script starts: on a job's first start and on every retry.
   *
   * @return how many files were restored
   * @throws KilnException USER for an object that would be written outside the directory (before
   *     any is written), INTERNAL when storage or the disk fails
   */
  int restore() {
    try {
      Files.createDirectories(dir);
      org.apache.hadoop.fs.Path base = new org.apache.hadoop.fs.Path(plan.uri());
      FileSystem fs = store.fileSystem(base);
      Map<Path, org.apache.hadoop.fs.Path> files = new java.util.LinkedHashMap<>();
      long bytes = 0;
      if (fs.exists(base)) {
        String prefix = base.toUri().getPath();
        prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(base, true);
        while (it.hasNext()) {
          LocatedFileStatus s = it.next();
          String path = s.getPath().toUri().getPath();
          String name = path.startsWith(prefix) ? path.substring(prefix.length()) : s.getPath().getName();
          String last = name.substring(name.lastIndexOf('/') + 1);
          if (STORE_TEMPORARY.matcher(last).matches() || last.startsWith(".kiln-write-probe-")
              || (last.startsWith(".") && last.endsWith(".crc"))) {
            continue; // a writer's temporary file, the admission's write probe, Hadoop's checksum side file
          }
          files.put(localFile(dir, name, plan.written()), s.getPath());
          bytes += s.getLen();
        }
      }
      for (Map.Entry<Path, org.apache.hadoop.fs.Path> f : files.entrySet()) {
        Path target = f.getKey();
        Files.createDirectories(target.getParent());
        Path partial = target.resolveSibling("." + target.getFileName() + PARTIAL);
        try (InputStream in = fs.open(f.getValue())) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        synced.put(dir.relativize(target).toString(), state(target));
      }
      if (!files.isEmpty()) {
        log.accept("Restored " + files.size() + " checkpoint file(s), " + bytes + " bytes, from " + plan.written()
            + " into " + plan.localPath());
      }
      return files.size();
    } catch (IOException e) {
      throw KilnException.internal("Cannot restore the checkpoints from " + plan.written() + " into " + dir + ": "
          + e, e);
    }
  }

  /** Starts the background sync: every {@link Plan#intervalMillis}, new and changed files are uploaded. */
  void start() {
    watcher = new Thread(() -> {
      while (true) {
        synchronized (wake) {
          try {
            if (!stopping) {
              wake.wait(plan.intervalMillis());
            }
          } catch (InterruptedException e) {
            return;
          }
          if (stopping) {
            return;
          }
        }
        try {
          sync();
        } catch (RuntimeException e) {
          // storage may come back: the next round or the last sync tries again
          log.accept("WARN checkpoint sync to " + plan.written() + " failed, retrying: " + Messages.oneLine(
              String.valueOf(e.getMessage())));
        }
      }
    }, "kiln-checkpoint-sync");
    watcher.setDaemon(true);
    watcher.start();
  }

  /**
   * Stops the background sync and uploads what changed since its last round (the script has ended).
   *
   * @throws KilnException USER naming the first link (or special file) found under the directory,
   *     which was not uploaded; INTERNAL when the last upload fails
   */
  void finish() {
    stopBackground();
    sync();
    if (refused != null) {
      throw KilnException.user(refused);
    }
  }

  /**
   * Stops the background sync, waiting (up to a minute) for an upload under way to finish; an
   * interrupted caller stops waiting and keeps its interrupt.
   */
  void stopBackground() {
    synchronized (wake) {
      stopping = true;
      wake.notifyAll();
    }
    if (watcher != null) {
      try {
        watcher.join(TimeUnit.SECONDS.toMillis(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * One sync round: uploads each regular file under the directory that is new or changed since it
   * was last synced; notes (once) each link or special file, which is never uploaded.
   *
   * @return how many files were uploaded
   */
  synchronized int sync() {
    List<Path> changed = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) { // does not follow links
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (p.equals(dir)) {
          continue;
        }
        BasicFileAttributes a;
        try {
          a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException gone) {
          continue; // deleted since the walk listed it
        }
        if (a.isDirectory()) {
          continue;
        }
        String name = dir.relativize(p).toString();
        if (!a.isRegularFile()) {
          if (!synced.containsKey(name)) {
            synced.put(name, new long[] {-1, -1});
            String what = a.isSymbolicLink() ? "a symbolic link" : "not a regular file";
            String message = plan.localPath() + "/" + name + " (CheckpointConfig.LocalPath) is " + what
                + ", which Kiln does not sync to " + plan.written() + " (a link could name a file outside the "
                + "checkpoint directory); write the file itself there";
            log.accept("WARN " + message);
            if (refused == null) {
              refused = message;
            }
          }
          continue;
        }
        if (name.endsWith(PARTIAL) && p.getFileName().toString().startsWith(".")) {
          continue;
        }
        long[] now = {a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)};
        long[] before = synced.get(name);
        if (before == null || before[0] != now[0] || before[1] != now[1]) {
          changed.add(p);
        }
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return 0; // the directory went away; the next round sees what is there then
    } catch (java.io.UncheckedIOException e) {
      if (e.getCause() instanceof java.nio.file.NoSuchFileException) {
        return 0; // a directory went away while the walk read it; the next round sees the rest
      }
      throw KilnException.internal("Cannot read the checkpoint directory " + dir + ": " + e.getCause(), e);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the checkpoint directory " + dir + ": " + e, e);
    }
    int uploaded = 0;
    for (Path p : changed) {
      String name = dir.relativize(p).toString().replace(java.io.File.separatorChar, '/');
      long[] state;
      try {
        state = state(p); // as it is before the upload: a change during it is uploaded next round
      } catch (IOException e) {
        continue; // deleted since the walk
      }
      try {
        store.write(plan.uri() + name, out -> {
          try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            in.transferTo(out);
          }
        });
      } catch (KilnException e) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
          continue; // deleted while uploading; nothing left behind (the write is all-or-nothing)
        }
        throw e;
      }
      synced.put(name, state);
      uploaded++;
    }
    return uploaded;
  }

  private static long[] state(Path p) throws IOException {
    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    return new long[] {a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS)};
  }
}
