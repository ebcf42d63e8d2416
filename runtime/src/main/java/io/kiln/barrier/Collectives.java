package io.kiln.barrier;

import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.Rendezvous;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;

/**
 * The collectives of one worker of a barrier stage: the rendezvous (every rank's host and a free
 * port, agreed through {@link BarrierTaskContext#allGather}) and the all-reduce over float arrays
 * ({@link RingAllReduce}, connected lazily on first use).
 */
final class Collectives implements AutoCloseable {
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

  Rendezvous rendezvous() {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw KilnException.internal("Worker " + rank + " cannot find a free port: " + e.getMessage(), e);
    }
    String[] all = task.allGather(host() + " " + port);
    List<Rendezvous.Peer> peers = new ArrayList<>();
    for (int r = 0; r < all.length; r++) {
      String[] hp = all[r].split(" ");
      peers.add(new Rendezvous.Peer(r, hp[0], Integer.parseInt(hp[1])));
    }
    return new Rendezvous(rank, peers);
  }

  void allReduce(float[] values, ReduceOp op) {
    if (workers == 1) {
      return;
    }
    if (ring == null) {
      ring = RingAllReduce.connect(rank, workers, host(), task::allGather);
    }
    ring.allReduce(values, op);
  }

  @Override
  public void close() {
    if (ring != null) {
      ring.close();
      ring = null;
    }
  }
}
