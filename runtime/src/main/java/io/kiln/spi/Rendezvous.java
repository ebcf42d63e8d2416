package io.kiln.spi;

import java.io.Serializable;
import java.util.List;

/**
 * Where every worker of one attempt can be reached: each worker's host and a TCP port that was
 * free on that host when the rendezvous was made, agreed by all workers through the barrier.
 * Launchers of other frameworks use it: rank 0's address as torch's {@code MASTER_ADDR} /
 * {@code MASTER_PORT}, all of them as TensorFlow's {@code TF_CONFIG} cluster.
 *
 * <p>A port is only known to have been free: the process that binds it should do so soon after.
 *
 * @param rank this worker's rank
 * @param peers every worker's address, by rank
 */
public record Rendezvous(int rank, List<Peer> peers) implements Serializable {
  public Rendezvous {
    peers = List.copyOf(peers);
  }

  /** Rank 0's address, the one torch-style launchers call the master. */
  public Peer master() {
    return peers.get(0);
  }

  /**
   * One worker's address.
   *
   * @param rank the worker's rank
   * @param host a host name or IP address that the other workers can reach
   * @param port a TCP port, 1 to 65535
   */
  public record Peer(int rank, String host, int port) implements Serializable {
    /** {@code host:port}. */
    public String address() {
      return host + ":" + port;
    }
  }
}
