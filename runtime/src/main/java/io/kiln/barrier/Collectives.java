package io.kiln.barrier;

import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.Rendezvous;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * The collectives of one worker of a barrier stage: the rendezvous (every rank's host and a free
 * port, agreed through {@link BarrierTaskContext#allGather}) and the all-reduce over float arrays
 * ({@link RingAllReduce}, connected lazily on first use and kept for the rest of the task).
 */
final class Collectives implements AutoCloseable {
  /**
   * Spark setting: seconds an all-reduce waits for a peer that makes no progress (also the limit
   * for forming the ring) before it fails the worker; default 300.
   */
  static final String TIMEOUT = "spark.kiln.collectives.timeout-seconds";

  private final int rank;
  private final int workers;
  private final BarrierTaskContext task;
  private RingAllReduce ring;

  Collectives(int rank, int workers, BarrierTaskContext task) {
    this.rank = rank;
    this.workers = workers;
    this.task = task;
  }

  /** The host other workers reach this executor at: the one Spark's block manager is bound to. */
  static String host() {
    SparkEnv env = SparkEnv.get();
    if (env != null && env.blockManager() != null && env.blockManager().blockManagerId() != null) {
      return env.blockManager().blockManagerId().host();
    }
    return "127.0.0.1";
  }

  /**
   * Every worker's host and a free port on it. Each worker holds its port open until every worker
   * has one (the exchange is a barrier), so two workers on one host never get the same port.
   */
  Rendezvous rendezvous() {
    String host = host();
    String[] all;
    try (ServerSocket probe = new ServerSocket(0)) {
      all = task.allGather(host + " " + probe.getLocalPort());
    } catch (IOException e) {
      throw KilnException.internal("Worker " + rank + " cannot find a free port: " + e.getMessage(), e);
    }
    List<Rendezvous.Peer> peers = new ArrayList<>();
    for (int r = 0; r < all.length; r++) {
      String[] hp = all[r].split(" ");
      peers.add(new Rendezvous.Peer(r, hp[0], Integer.parseInt(hp[1])));
    }
    return new Rendezvous(rank, peers);
  }

  void allReduce(float[] values, ReduceOp op) {
    if (ring == null) {
      // with one worker this opens nothing and gathers nothing
      ring = RingAllReduce.connect(rank, workers, host(), task::allGather, timeout());
    }
    ring.allReduce(values, op);
  }

  private static Duration timeout() {
    SparkEnv env = SparkEnv.get();
    long seconds = env == null ? RingAllReduce.DEFAULT_TIMEOUT.toSeconds()
        : env.conf().getLong(TIMEOUT, RingAllReduce.DEFAULT_TIMEOUT.toSeconds());
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  @Override
  public void close() {
    if (ring != null) {
      ring.close();
      ring = null;
    }
  }
}
