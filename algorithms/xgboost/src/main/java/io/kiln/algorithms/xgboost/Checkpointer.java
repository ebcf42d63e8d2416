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
 * background thread; a new checkpoint is due when the previous upload has finished and enough
 * rounds have passed. Without an interval from the user, the interval adapts so that a checkpoint's
 * whole cost (serialising plus the upload's wall time, which competes with training for the
 * machine) is at most {@value #OVERHEAD} of the time spent in the rounds between checkpoints.
 * Emergency and final checkpoints are written synchronously.
 */
final class Checkpointer implements AutoCloseable {
  static final String MODEL = "xgboost-model";
  static final String STATE = "state.json";
  static final double OVERHEAD = 0.03;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The loop state that is not in the booster. */
  record State(int round, int bestRound, double best) {}

  /** What a restore gives back. */
  record Restored(Booster booster, State state) {}

  private final CheckpointStore store;
  private final WorkerContext ctx;
  private final int fixedInterval;
  private final ExecutorService uploader;
  private Future<?> inFlight;
  private int lastSavedRound = -1;
  private int interval;
  private long roundNanos;
  private int roundsTimed;
  private volatile long lastUploadNanos;

  Checkpointer(WorkerContext ctx) {
    this.ctx = ctx;
    this.store = ctx.checkpoints();
    this.fixedInterval = ctx.checkpointInterval();
    this.interval = fixedInterval > 0 ? fixedInterval : 10;
    this.uploader = store != null && ctx.rank() == 0 ? Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "kiln-checkpoint-upload");
      t.setDaemon(true);
      return t;
    }) : null;
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
    if (ctx.rank() == 0) {
      round = store.latest().map(CheckpointStore.Checkpoint::round).orElse(-1);
    }
    if (ctx.workers() > 1) {
      round = Integer.parseInt(ctx.allGather(Integer.toString(round)).get(0));
    }
    if (round < 0) {
      return Optional.empty();
    }
    int wanted = round;
    CheckpointStore.Checkpoint c = store.latestAtOrBefore(wanted)
        .filter(x -> x.round() == wanted)
        .orElseThrow(() -> new IllegalStateException("checkpoint of round " + wanted + " is no longer readable"));
    lastSavedRound = c.round();
    return Optional.of(new Restored(XGBoost.loadModel(c.files().get(MODEL)), state(c)));
  }

  static State state(CheckpointStore.Checkpoint c) {
    try {
      var n = MAPPER.readTree(new String(c.files().get(STATE), StandardCharsets.UTF_8));
      return new State(n.get("round").asInt(), n.get("bestRound").asInt(), n.get("best").asDouble());
    } catch (java.io.IOException e) {
      throw new IllegalStateException("checkpoint state is not valid JSON", e);
    }
  }

  /** Records how long a round took, for the adaptive interval. */
  void timed(long nanos) {
    roundNanos += nanos;
    roundsTimed++;
  }

  /** Saves in the background if a checkpoint is due after {@code state.round()} rounds. */
  void maybeSave(Booster booster, State state) throws XGBoostError {
    if (store == null || ctx.rank() != 0) {
      return;
    }
    if (inFlight != null && !inFlight.isDone()) {
      return;
    }
    if (state.round() - Math.max(0, lastSavedRound) < interval) {
      return;
    }
    long start = System.nanoTime();
    Map<String, byte[]> files = files(booster, state);
    long serialise = System.nanoTime() - start;
    adapt(serialise + lastUploadNanos);
    lastSavedRound = state.round();
    inFlight = uploader.submit(() -> {
      long t0 = System.nanoTime();
      store.save(state.round(), files);
      lastUploadNanos = System.nanoTime() - t0;
      ctx.log("Checkpoint saved after round " + state.round() + " (next in " + interval + " rounds)");
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
    store.save(state.round(), files(booster, state));
    lastSavedRound = state.round();
    ctx.log(why + " checkpoint saved after round " + state.round());
  }

  private void adapt(long checkpointNanos) {
    if (fixedInterval > 0 || roundsTimed == 0) {
      return;
    }
    double perRound = (double) roundNanos / roundsTimed;
    interval = (int) Math.max(1, Math.ceil(checkpointNanos / (OVERHEAD * perRound)));
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

  int interval() {
    return interval;
  }

  @Override
  public void close() {
    if (uploader != null) {
      awaitUpload();
      uploader.shutdownNow();
    }
  }
}
