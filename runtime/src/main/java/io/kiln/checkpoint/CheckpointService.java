package io.kiln.checkpoint;

import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.storage.StorageRetry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The runtime's {@link Checkpointing}: one per worker of an attempt (or one on the driver for a
 * driver-side loop).
 *
 * <p>Rank 0 looks up the newest checkpoint in the background from the moment the service is made
 * (manifests only), so the look-up overlaps reading the data. Periodic saves: the state is written
 * into a local directory on the training thread (its "serialise" cost), then one background thread
 * uploads it and deletes the local copy; a new periodic save waits for the previous upload. Emergency,
 * requested and final saves are synchronous; they retry a storage failure with backoff over the
 * store's {@link CheckpointStore#writeRetryWindow()}, and one that still fails is logged as a WARN
 * and skipped, so a storage outage at the end of training never keeps the model from being uploaded. The schedule ({@link CheckpointSchedule}) counts the whole cost
 * of a checkpoint, serialising plus the upload's wall time.
 */
public final class CheckpointService implements Checkpointing, AutoCloseable {
  private final CheckpointStore store;
  private final CheckpointIdentity identity;
  private final int rank;
  private final int workers;
  private final Function<String, List<String>> allGather;
  private final Consumer<String> log;
  private final CheckpointSchedule schedule;
  private final ExecutorService uploader;
  private final Future<List<CheckpointStore.Info>> found;
  private final List<Path> temporary = new ArrayList<>();
  private Future<?> inFlight;
  private int lastSavedRound = -1;

  /**
   * @param store the job's checkpoint store, or null when it has none (every method is then a no-op)
   * @param identity the job, recorded with every save and required of a restored checkpoint
   * @param rank this worker's rank (0 on the driver)
   * @param workers the number of workers (1 on the driver)
   * @param allGather the barrier's all-gather, for the restore to agree; unused when {@code workers} is 1
   * @param log writes a line to the job log
   * @param interval rounds between periodic checkpoints, or 0 for the adaptive schedule
   */
  public CheckpointService(CheckpointStore store, CheckpointIdentity identity, int rank, int workers,
      Function<String, List<String>> allGather, Consumer<String> log, int interval) {
    this.store = store;
    this.identity = identity;
    this.rank = rank;
    this.workers = workers;
    this.allGather = allGather;
    this.log = log;
    this.schedule = new CheckpointSchedule(interval);
    this.uploader = store != null && rank == 0 ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "kiln-checkpoint-upload");
      t.setDaemon(true);
      return t;
    }) : null;
    this.found = uploader != null ? uploader.submit(store::list) : null;
  }

  @Override
  public boolean enabled() {
    return store != null;
  }

  @Override
  public Optional<Restored> restore() {
    if (store == null) {
      return Optional.empty();
    }
    int round = -1;
    Path dir = null;
    if (rank == 0) {
      for (CheckpointStore.Info c : own(listed())) {
        Path candidate = newTemporaryDirectory("restore");
        if (store.restore(c, candidate)) {
          round = c.round();
          dir = candidate;
          break;
        }
        log.accept("WARN the checkpoint after round " + c.round() + " is corrupt or gone; trying an older one");
      }
    }
    if (workers > 1) {
      round = Integer.parseInt(allGather.apply(Integer.toString(round)).get(0));
    }
    if (round < 0) {
      return Optional.empty();
    }
    if (rank != 0) {
      dir = newTemporaryDirectory("restore");
      boolean copied = store.restore(new CheckpointStore.Info(round, null, identity, 0), dir);
      if (workers > 1) {
        // rank 0 may save (and retire old checkpoints) only once every rank has its copy
        agree(copied);
      }
      if (!copied) {
        throw new KilnException(ErrorType.INTERNAL, "The checkpoint after round " + round
            + " that rank 0 restored cannot be read on worker " + rank);
      }
    } else if (workers > 1 && !agree(true)) {
      throw new KilnException(ErrorType.INTERNAL, "The checkpoint after round " + round
          + " that rank 0 restored cannot be read on every worker");
    }
    lastSavedRound = round;
    if (rank == 0) {
      log.accept("Resumed from the checkpoint after round " + round);
    }
    return Optional.of(new Restored(round, dir));
  }

  /** Whether every rank says {@code ok}. <em>Collective</em>. */
  private boolean agree(boolean ok) {
    return allGather.apply(ok ? "ok" : "failed").stream().allMatch("ok"::equals);
  }

  private List<CheckpointStore.Info> listed() {
    try {
      return found.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.internal("Interrupted while looking for a checkpoint", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw KilnException.internal("Cannot look for a checkpoint: " + e.getCause(), e.getCause());
    }
  }

  /** The checkpoints this job wrote, newest first; says once which others it passes over. */
  private List<CheckpointStore.Info> own(List<CheckpointStore.Info> all) {
    List<CheckpointStore.Info> out = new ArrayList<>();
    for (CheckpointStore.Info c : all) {
      if (c.writer() != null && c.writer().equals(identity)) {
        out.add(c);
      } else {
        log.accept("NOTICE not restoring the checkpoint after round " + c.round() + ": another job wrote it ("
            + (c.writer() == null ? "a checkpoint that names no writer" : c.writer().differences(identity)) + ")");
      }
    }
    return out;
  }

  @Override
  public void afterRound(int round, long roundNanos, Directive directive, StateWriter writer) {
    if (store == null || rank != 0) {
      return;
    }
    schedule.round(roundNanos);
    switch (directive) {
      case STOP -> saveNow(round, writer, "Final");
      case CHECKPOINT -> saveNow(round, writer, "Emergency");
      case CONTINUE -> maybeSave(round, writer);
    }
  }

  @Override
  public void saveFinal(int round, StateWriter writer) {
    if (store == null || rank != 0) {
      return;
    }
    saveNow(round, writer, "Final");
  }

  @Override
  public void saveNow(int round, StateWriter writer) {
    if (store == null || rank != 0) {
      return;
    }
    saveNow(round, writer, "A");
  }

  private void maybeSave(int round, StateWriter writer) {
    if (!schedule.due()) {
      return;
    }
    if (inFlight != null && !inFlight.isDone()) {
      if (!schedule.fixed()) {
        return; // the adaptive schedule waits for the upload: its cost counts the upload's wall time
      }
      awaitUpload(); // a user's interval is kept: training waits for the previous upload
    }
    schedule.started();
    long start = System.nanoTime();
    Path dir = write(round, writer);
    long serialise = System.nanoTime() - start;
    lastSavedRound = round;
    inFlight = uploader.submit(() -> {
      try {
        long t0 = System.nanoTime();
        store.save(round, dir, identity);
        long upload = System.nanoTime() - t0;
        schedule.measured(serialise + upload);
        log.accept(String.format(Locale.ROOT, "Checkpoint saved after round %d (written in %d ms, stored in %d ms;"
            + " %s)", round, serialise / 1_000_000, upload / 1_000_000, schedule.describeNext()));
      } finally {
        delete(dir);
      }
    });
  }

  private void saveNow(int round, StateWriter writer, String why) {
    awaitUpload();
    if (lastSavedRound == round) {
      return;
    }
    schedule.started();
    long start = System.nanoTime();
    Path dir = write(round, writer);
    String what = (why.equals("A") ? "the checkpoint" : "the " + why.toLowerCase(Locale.ROOT) + " checkpoint")
        + " after round " + round;
    try {
      StorageRetry.run(store.writeRetryWindow(), what, log, () -> store.save(round, dir, identity));
    } catch (StorageRetry.Outage e) {
      // a checkpoint is a way back, not the result: training (or the model upload after a final
      // checkpoint) goes on, and a later resume starts from the newest checkpoint that was written
      log.accept("WARN " + e.getMessage() + "; going on without it (a resume starts from the newest checkpoint"
          + " written)");
      return;
    } finally {
      delete(dir);
    }
    schedule.measured(System.nanoTime() - start);
    lastSavedRound = round;
    log.accept(why.equals("A") ? "Checkpoint saved after round " + round
        : why + " checkpoint saved after round " + round);
  }

  private Path write(int round, StateWriter writer) {
    Path dir;
    try {
      dir = Files.createTempDirectory("kiln-checkpoint-" + round + "-");
    } catch (IOException e) {
      throw KilnException.internal("Cannot make a local directory for a checkpoint: " + e.getMessage(), e);
    }
    try {
      writer.write(dir);
      return dir;
    } catch (KilnException e) {
      delete(dir);
      throw e;
    } catch (Exception e) {
      delete(dir);
      throw new KilnException(ErrorType.ALGORITHM, "Writing the checkpoint after round " + round + " failed: " + e, e);
    }
  }

  private Path newTemporaryDirectory(String what) {
    try {
      Path dir = Files.createTempDirectory("kiln-checkpoint-" + what + "-");
      temporary.add(dir);
      return dir;
    } catch (IOException e) {
      throw KilnException.internal("Cannot make a local directory for a checkpoint: " + e.getMessage(), e);
    }
  }

  private void awaitUpload() {
    if (inFlight != null) {
      try {
        inFlight.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException e) {
        log.accept("WARN a background checkpoint failed: " + e.getCause());
      }
      inFlight = null;
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans what is left
    }
  }

  /** Waits for an upload under way, then removes the local copies of restored checkpoints. */
  @Override
  public void close() {
    if (uploader != null) {
      awaitUpload();
      uploader.shutdownNow();
    }
    temporary.forEach(CheckpointService::delete);
    temporary.clear();
  }
}
