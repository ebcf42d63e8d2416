package io.kiln.algorithms.script;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * SageMaker's own root, {@code /opt/ml}, for a script whose code hard-codes it: used only when it
 * already exists, is a writable directory holding nothing but what Kiln left there, and this task is
 * alone on its host (no other worker of the job on the host, and no other task, of any job, holding
 * it: a file lock on {@code /opt/ml/.kiln-lock}, which works across executors' JVMs). Otherwise the
 * script's root is the runtime's per-task directory, as always. Kiln never creates {@code /opt/ml}.
 *
 * <p>When used, {@code /opt/ml/<dir>} for {@code model}, {@code output}, {@code input}, {@code code}
 * and {@code checkpoints} are symbolic links into the per-task directory (where the runtime uploads
 * the model from and reads {@code output/failure}), and every path variable names {@code /opt/ml};
 * the links are removed and the lock released when the worker ends.
 */
final class OptMl implements AutoCloseable {
  /** The directory used as SageMaker's {@code /opt/ml} when usable (a setting so tests can point elsewhere). */
  static final String KEY = "spark.kiln.script.opt-ml";
  static final String DEFAULT = "/opt/ml";
  static final List<String> LINKS = List.of("model", "output", "input", "code", "checkpoints");
  private static final String LOCK = ".kiln-lock";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private OptMl(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /** The directory the script sees as its root. */
  Path root() {
    return dir;
  }

  /**
   * Claims {@code dir} for this task when it may be used, linking it to {@code taskRoot}.
   *
   * @param aloneOnHost whether this worker is the job's only one on its host
   * @return the claim, or empty when the per-task root is to be used (the reason is not an error)
   */
  static Optional<OptMl> claim(Path dir, Path taskRoot, boolean aloneOnHost) {
    if (!aloneOnHost || dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
      return Optional.empty();
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        return Optional.empty(); // another task (another JVM) holds it
      }
      try (var entries = Files.list(dir)) {
        Set<String> allowed = new java.util.HashSet<>(LINKS);
        allowed.add(LOCK);
        for (Path e : entries.toList()) {
          String name = e.getFileName().toString();
          if (!allowed.contains(name) || !(name.equals(LOCK) || Files.isSymbolicLink(e))) {
            lock.release();
            channel.close();
            return Optional.empty(); // someone else's content: not ours to use
          }
        }
      }
      OptMl claim = new OptMl(dir, channel, lock);
      claim.unlink(); // a previous task's links, left by a killed executor
      for (String name : LINKS) {
        Path target = taskRoot.resolve(name);
        Files.createDirectories(target);
        Files.createSymbolicLink(dir.resolve(name), target);
      }
      return Optional.of(claim);
    } catch (OverlappingFileLockException e) {
      closeQuietly(channel); // another task of this JVM holds it
      return Optional.empty();
    } catch (IOException e) {
      closeQuietly(channel);
      return Optional.empty();
    }
  }

  private void unlink() throws IOException {
    for (String name : LINKS) {
      Path p = dir.resolve(name);
      if (Files.isSymbolicLink(p)) {
        Files.delete(p);
      }
    }
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        // nothing held
      }
    }
  }

  /** Removes the links and releases the lock. */
  @Override
  public void close() {
    try {
      unlink();
    } catch (IOException e) {
      // the next claim removes them
    }
    try {
      lock.release();
    } catch (IOException e) {
      // closing the channel releases it too
    }
    closeQuietly(channel);
  }
}
