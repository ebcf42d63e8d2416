package io.kiln.algorithms.xgboost;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.WorkerContext;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Saves and restores XGBoost's training state: the booster (XGBoost JSON, the same bytes as the
 * artifact's {@code xgboost-model}) and the loop's own state (round, early-stopping best).
 *
 * <p>Only rank 0 saves. The booster is serialised on the training thread and uploaded by one
 * background thread; a new checkpoint is due when the previous upload has finished and the
 * {@link CheckpointSchedule} says so (the user's interval in rounds, or adaptive: a checkpoint's
 * whole cost at most 3 % of the training time between checkpoints). Emergency and final
 * checkpoints are written synchronously.
 */
final class Checkpointer implements AutoCloseable {
  static final String MODEL = "xgboost-model";
  static final String STATE = "state.json";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The loop state that is not in the booster. */
  record State(int round, int bestRound, double best) {}

  /** What a restore gives back. */
  record Restored(Booster booster, State state) {}

  private final CheckpointStore store;
  private final WorkerContext ctx;
  private final CheckpointSchedule schedule;
  private final ExecutorService uploader;
  private final Future<Optional<CheckpointStore.Checkpoint>> found;
  private Future<?> inFlight;
  private int lastSavedRound = -1;

  Checkpointer(WorkerContext ctx) {
    this.ctx = ctx;
    this.store = ctx.checkpoints();
    this.schedule = new CheckpointSchedule(ctx.checkpointInterval());
    this.uploader = store != null && ctx.rank() == 0 ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "kiln-checkpoint-upload");
      t.setDaemon(true);
      return t;
    }) : null;
    // rank 0 looks for the newest checkpoint while the worker reads its data
    this.found = uploader != null ? uploader.submit(store::latest) : null;
  }

  boolean enabled() {
    return store != null;
  }

  /**
   * Restores the newest good checkpoint, the same one on every worker: rank 0 picks the round and
   * tells the others.
   */
  Optional<Restored> restore() throws XGBoostError, java.io.IOException {
    if (store == null) {
      return Optional.empty();
    }
    int round = -1;
    Optional<CheckpointStore.Checkpoint> newest = Optional.empty();
    if (ctx.rank() == 0) {
      newest = newest();
      round = newest.map(CheckpointStore.Checkpoint::round).orElse(-1);
    }
    if (ctx.workers() > 1) {
      round = Integer.parseInt(ctx.allGather(Integer.toString(round)).get(0));
    }
    if (round < 0) {
      return Optional.empty();
    }
    int wanted = round;
    CheckpointStore.Checkpoint c = newest.filter(x -> x.round() == wanted)
        .or(() -> store.latestAtOrBefore(wanted).filter(x -> x.round() == wanted))
        .orElseThrow(() -> new IllegalStateException("checkpoint of round " + wanted + " is no longer readable"));
    lastSavedRound = c.round();
    return Optional.of(new Restored(XGBoost.loadModel(c.files().get(MODEL)), state(c)));
  }

  private Optional<CheckpointStore.Checkpoint> newest() {
    try {
      return found.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while looking for a checkpoint", e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException("cannot look for a checkpoint: " + e.getCause(), e.getCause());
    }
  }

  static State state(CheckpointStore.Checkpoint c) {
    try {
      var n = MAPPER.readTree(new String(c.files().get(STATE), StandardCharsets.UTF_8));
      return new State(n.get("round").asInt(), n.get("bestRound").asInt(), n.get("best").asDouble());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("checkpoint state is not valid JSON", e);
    }
  }

  /** Records how long a round took, for the schedule. */
  void timed(long nanos) {
    schedule.round(nanos);
  }

  /** Saves in the background if a checkpoint is due after {@code state.round()} rounds. */
  void maybeSave(Booster booster, State state) throws XGBoostError {
    if (store == null || ctx.rank() != 0) {
      return;
    }
    if (inFlight != null && !inFlight.isDone()) {
      return;
    }
    if (!schedule.due()) {
      return;
    }
    schedule.started();
    long start = System.nanoTime();
    Map<String, byte[]> files = files(booster, state);
    long serialise = System.nanoTime() - start;
    lastSavedRound = state.round();
    inFlight = uploader.submit(() -> {
      long t0 = System.nanoTime();
      store.save(state.round(), files);
      long upload = System.nanoTime() - t0;
      schedule.measured(serialise + upload);
      ctx.log(String.format(java.util.Locale.ROOT, "Checkpoint saved after round %d (serialised in %d ms, stored in %d ms;"
          + " %s)", state.round(), serialise / 1_000_000, upload / 1_000_000, schedule.describeNext()));
    });
  }

  /** Saves now and waits until it is stored (emergency, stop, end of training). */
  void saveNow(Booster booster, State state, String why) throws XGBoostError {
    if (store == null || ctx.rank() != 0) {
      return;
    }
    awaitUpload();
    if (lastSavedRound == state.round()) {
      return;
    }
    schedule.started();
    long start = System.nanoTime();
    store.save(state.round(), files(booster, state));
    schedule.measured(System.nanoTime() - start);
    lastSavedRound = state.round();
    ctx.log(why + " checkpoint saved after round " + state.round());
  }

  private static Map<String, byte[]> files(Booster booster, State state) throws XGBoostError {
    ObjectNode s = MAPPER.createObjectNode().put("round", state.round()).put("bestRound", state.bestRound())
        .put("best", state.best());
    return Map.of(MODEL, booster.toByteArray("json"), STATE, s.toString().getBytes(StandardCharsets.UTF_8));
  }

  private void awaitUpload() {
    if (inFlight != null) {
      try {
        inFlight.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException e) {
        ctx.log("WARN a background checkpoint failed: " + e.getCause());
      }
      inFlight = null;
    }
  }

  @Override
  public void close() {
    if (uploader != null) {
      awaitUpload();
      uploader.shutdownNow();
    }
  }
}
