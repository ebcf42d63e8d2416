package io.kiln.barrier;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ring all-reduce over TCP between the workers of one barrier stage: every worker ends with the
 * element-wise SUM, MIN or MAX of all workers' float arrays.
 *
 * <p><b>Algorithm.</b> The bandwidth-optimal ring all-reduce (P. Patarasuk and X. Yuan, "Bandwidth
 * optimal all-reduce algorithms for clusters of workstations", J. Parallel Distrib. Comput. 69(2),
 * 2009; the scheme of Baidu's "ring all-reduce" and of Horovod). Worker r sends only to worker
 * (r+1) mod n and receives only from worker (r-1) mod n. The array is cut into n contiguous chunks
 * (chunk c holds elements [c·len/n, (c+1)·len/n)). In n-1 <em>reduce-scatter</em> steps, at step s
 * worker r sends chunk (r-s) mod n and folds the chunk (r-s-1) mod n it receives into its own copy;
 * afterwards worker r holds chunk (r+1) mod n reduced over all workers. In n-1 <em>all-gather</em>
 * steps the reduced chunks go once more around the ring and are copied. Each worker sends and
 * receives 2(n-1)/n of the array in all, whatever n is, in 2(n-1) steps.
 *
 * <p><b>Identical results.</b> A chunk is reduced once, on one worker, and only copied afterwards,
 * so every worker ends with the same bits. Chunk c is combined in ring order starting at worker c:
 * {@code ((x_c op x_c+1) op x_c+2) ...} (ranks mod n), with Java's float arithmetic ({@code +},
 * {@link Math#min(float, float)}, {@link Math#max(float, float)}: NaN propagates, -0.0 &lt; 0.0 for
 * MIN and MAX, inf + -inf is NaN).
 *
 * <p><b>Wire.</b> Each worker listens on a free port of its host; the addresses and a random
 * 128-bit token per worker are exchanged through {@code allGather} (Spark's barrier allGather, so
 * only the stage's tasks learn them). A connection must open with {@code "KILNRING"}, the
 * listener's token, the predecessor's rank and the worker count; any other connection is closed
 * and ignored, so a stray connection cannot join. Every call first circulates a 12-byte header
 * (rank, operation, length) around the ring, so that every worker knows every worker's length and
 * operation before any data moves. Floats travel little-endian through fixed 512 KiB buffers
 * (memory does not grow with the array) and are folded in as they arrive. One thread sends and
 * receives at once through non-blocking channels, so two neighbours can never both block writing
 * into full socket buffers, and a Spark task kill (an interrupt) ends a call at once.
 *
 * <p><b>Failures.</b> Arrays of different lengths: a USER error on every worker naming both
 * lengths; the ring stays usable. Different operations: an ALGORITHM error on every worker. A peer
 * that closes its connection (it failed, its JVM died) fails the call with INTERNAL at once, and
 * this worker closes its own connections, so the failure travels around the ring within moments. A
 * peer that neither sends nor takes a byte for {@code timeout} (it hangs, its machine vanished)
 * fails the call with INTERNAL after that timeout. After an INTERNAL failure the ring is closed and
 * every later call fails.
 *
 * <p>Not thread-safe: one thread per worker calls it, as the collectives of a {@code WorkerContext}
 * are called; {@link #close} may come from another thread.
 */
final class RingAllReduce implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingAllReduce.class);

  /** How long a call or the connection waits for a peer that makes no progress. */
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  /** "KILNRING" in ASCII: the first 8 bytes of a connection. */
  private static final long MAGIC = 0x4b494c4e52494e47L;
  private static final int TOKEN_BYTES = 16;
  private static final int HELLO_BYTES = 8 + TOKEN_BYTES + 4 + 4;
  private static final int HEADER_BYTES = 12;
  private static final int BUFFER_BYTES = 1 << 19;
  private static final byte ACK = 1;

  private final int rank;
  private final int workers;
  private final long timeoutNanos;
  private final SocketChannel next;
  private final SocketChannel prev;
  private final String nextAddress;
  private final String prevAddress;
  private final Selector selector;
  private final SelectionKey nextKey;
  private final SelectionKey prevKey;
  private final ByteBuffer sendBuffer;
  private final ByteBuffer receiveBuffer;
  private final float[] scratch;
  private boolean broken;
  private volatile boolean closed;

  private RingAllReduce(int rank, int workers, Duration timeout, SocketChannel next, String nextAddress,
      SocketChannel prev, String prevAddress) throws IOException {
    this.rank = rank;
    this.workers = workers;
    this.timeoutNanos = timeout.toNanos();
    this.next = next;
    this.prev = prev;
    this.nextAddress = nextAddress;
    this.prevAddress = prevAddress;
    next.configureBlocking(false);
    prev.configureBlocking(false);
    selector = Selector.open();
    nextKey = next.register(selector, 0);
    prevKey = prev.register(selector, 0);
    sendBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    receiveBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    scratch = new float[BUFFER_BYTES / Float.BYTES];
  }

  /** The ring of one worker: nothing to connect, nothing to combine. */
  private RingAllReduce(Duration timeout) {
    this.rank = 0;
    this.workers = 1;
    this.timeoutNanos = timeout.toNanos();
    this.next = null;
    this.prev = null;
    this.nextAddress = null;
    this.prevAddress = null;
    this.selector = null;
    this.nextKey = null;
    this.prevKey = null;
    this.sendBuffer = null;
    this.receiveBuffer = null;
    this.scratch = null;
  }

  /**
   * Forms the ring, waiting at most {@link #DEFAULT_TIMEOUT} for a peer. <em>Collective</em>: every
   * worker of the stage calls it, with its own rank.
   *
   * @see #connect(int, int, String, Function, Duration)
   */
  static RingAllReduce connect(int rank, int workers, String host, Function<String, String[]> allGather) {
    return connect(rank, workers, host, allGather, DEFAULT_TIMEOUT);
  }

  /**
   * Forms the ring: listens on a free port of {@code host}, exchanges addresses and tokens through
   * {@code allGather}, connects to worker (rank+1) mod n and accepts worker (rank-1) mod n. With one
   * worker nothing is opened and nothing gathered. <em>Collective</em>.
   *
   * @param rank this worker's rank, 0 to workers-1
   * @param workers how many workers the stage has, at least 1
   * @param host the host or IP address the other workers reach this one at (its port is bound there)
   * @param allGather exchanges one string with every worker and returns them by rank (Spark's
   *     {@code BarrierTaskContext.allGather})
   * @param timeout how long to wait for a peer that makes no progress, here and in every call
   * @throws KilnException INTERNAL when the host cannot be bound or a peer cannot be reached or does
   *     not answer within {@code timeout}
   */
  static RingAllReduce connect(int rank, int workers, String host, Function<String, String[]> allGather,
      Duration timeout) {
    if (workers < 1 || rank < 0 || rank >= workers) {
      throw new IllegalArgumentException("rank " + rank + " of " + workers + " workers");
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout " + timeout + " is not positive");
    }
    if (workers == 1) {
      return new RingAllReduce(timeout);
    }
    ServerSocketChannel listener = null;
    SocketChannel next = null;
    SocketChannel prev = null;
    int nextRank = (rank + 1) % workers;
    int prevRank = (rank + workers - 1) % workers;
    String step = "listen on " + host;
    try {
      listener = ServerSocketChannel.open();
      listener.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      byte[] token = new byte[TOKEN_BYTES];
      new SecureRandom().nextBytes(token);
      int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
      step = "exchange addresses";
      String[] all = allGather.apply(host + " " + port + " " + HexFormat.of().formatHex(token));
      if (all.length != workers) {
        throw new IOException("the barrier returned " + all.length + " addresses for " + workers + " workers");
      }
      String[] nextParts = all[nextRank].split(" ");
      String[] prevParts = all[prevRank].split(" ");
      String nextAddress = nextParts[0] + ":" + nextParts[1];
      String prevAddress = prevParts[0] + ":" + prevParts[1];
      long deadline = System.nanoTime() + timeout.toNanos();

      step = "connect to worker " + nextRank + " at " + nextAddress;
      next = connectTo(new InetSocketAddress(nextParts[0], Integer.parseInt(nextParts[1])), deadline);
      ByteBuffer hello = ByteBuffer.allocate(HELLO_BYTES);
      hello.putLong(MAGIC).put(HexFormat.of().parseHex(nextParts[2])).putInt(rank).putInt(workers).flip();
      writeFully(next, hello);

      step = "accept worker " + prevRank + " (from " + prevAddress + ")";
      prev = accept(listener, token, prevRank, workers, deadline);
      writeFully(prev, ByteBuffer.wrap(new byte[] {ACK}));

      step = "hear back from worker " + nextRank + " at " + nextAddress;
      ByteBuffer ack = ByteBuffer.allocate(1);
      readFully(next, ack, deadline);
      if (ack.get(0) != ACK) {
        throw new IOException("unexpected answer " + ack.get(0));
      }
      listener.close();
      for (SocketChannel c : List.of(next, prev)) {
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
      }
      return new RingAllReduce(rank, workers, timeout, next, nextAddress, prev, prevAddress);
    } catch (IOException | RuntimeException e) {
      closeQuietly(listener);
      closeQuietly(next);
      closeQuietly(prev);
      if (e instanceof KilnException k) {
        throw k;
      }
      String why = e instanceof SocketTimeoutException ? "no answer within " + timeout.toSeconds() + " s"
          : e.toString();
      throw KilnException.internal("Worker " + rank + " cannot form the all-reduce ring of " + workers
          + " workers: could not " + step + ": " + why, e);
    }
  }

  private static SocketChannel connectTo(InetSocketAddress address, long deadline) throws IOException {
    while (true) {
      SocketChannel channel = SocketChannel.open();
      try {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        channel.socket().connect(address, (int) Math.min(Integer.MAX_VALUE, left));
        return channel;
      } catch (ConnectException e) {
        channel.close();
        // the listener is bound before the addresses are exchanged, so a refusal is unexpected;
        // try again until the deadline in case the peer's host was still coming up
        if (System.nanoTime() > deadline) {
          throw e;
        }
        sleep(100);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
    }
  }

  /**
   * Accepts connections until one opens with the expected hello; closes the others. Several pending
   * connections are read at once, so a silent stray cannot hold up the real peer.
   */
  private static SocketChannel accept(ServerSocketChannel listener, byte[] token, int prevRank, int workers,
      long deadline) throws IOException {
    ByteBuffer expected = ByteBuffer.allocate(HELLO_BYTES);
    expected.putLong(MAGIC).put(token).putInt(prevRank).putInt(workers).flip();
    List<SocketChannel> pending = new ArrayList<>();
    listener.configureBlocking(false);
    try (Selector selector = Selector.open()) {
      listener.register(selector, SelectionKey.OP_ACCEPT);
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException();
        }
        selector.select(Math.max(1, left / 1_000_000));
        checkInterrupt();
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (key.channel() == listener) {
            SocketChannel c = listener.accept();
            if (c != null) {
              c.configureBlocking(false);
              c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(HELLO_BYTES));
              pending.add(c);
            }
            continue;
          }
          SocketChannel c = (SocketChannel) key.channel();
          ByteBuffer hello = (ByteBuffer) key.attachment();
          int n;
          try {
            n = c.read(hello);
          } catch (IOException e) {
            n = -1;
          }
          if (n < 0 || !hello.hasRemaining()) {
            key.cancel();
            pending.remove(c);
            if (!hello.hasRemaining() && hello.flip().equals(expected)) {
              selector.selectNow(); // completes the cancellation before the channel goes blocking
              c.configureBlocking(true);
              return c;
            }
            LOG.warn("Worker all-reduce ring: ignored a connection from {} that did not identify itself as worker {}",
                remote(c), prevRank);
            closeQuietly(c);
          }
        }
      }
    } finally {
      pending.forEach(RingAllReduce::closeQuietly);
    }
  }

  /**
   * Replaces {@code values}, on every worker, by the element-wise {@code op} of every worker's
   * array. A no-op with one worker. <em>Collective</em>: every worker calls it with an array of the
   * same length and the same operation.
   *
   * @throws KilnException USER when workers pass arrays of different lengths (on every worker, the
   *     ring stays usable); ALGORITHM when they pass different operations; INTERNAL when a peer
   *     fails, closes its connection or makes no progress for the timeout, or after an earlier
   *     INTERNAL failure
   */
  void allReduce(float[] values, ReduceOp op) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(op, "op");
    if (workers == 1) {
      return;
    }
    if (broken || closed) {
      throw new KilnException(ErrorType.INTERNAL, "Worker " + rank
          + "'s all-reduce ring is closed" + (broken ? " after an earlier failure" : ""));
    }
    try {
      checkHeaders(gatherHeaders(values.length, op));
      for (int s = 0; s < workers - 1; s++) {
        int send = Math.floorMod(rank - s, workers);
        int receive = Math.floorMod(rank - s - 1, workers);
        exchange(values, start(send, values.length), start(send + 1, values.length), start(receive, values.length),
            start(receive + 1, values.length), op);
      }
      for (int s = 0; s < workers - 1; s++) {
        int send = Math.floorMod(rank + 1 - s, workers);
        int receive = Math.floorMod(rank - s, workers);
        exchange(values, start(send, values.length), start(send + 1, values.length), start(receive, values.length),
            start(receive + 1, values.length), null);
      }
    } catch (IOException | ClosedSelectorException e) {
      String message = failure(e);
      broken = true;
      // the neighbours' next read or write fails at once: the failure goes around the ring
      close();
      throw KilnException.internal(message, e);
    }
  }

  /** Where chunk {@code c} starts (chunk n ends the array). */
  private int start(int chunk, int length) {
    return (int) ((long) chunk * length / workers);
  }

  /** Every worker's (rank, operation, length), by rank: each header goes around the ring once. */
  private int[][] gatherHeaders(int length, ReduceOp op) throws IOException {
    int[][] headers = new int[workers][];
    headers[rank] = new int[] {rank, op.ordinal(), length};
    ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES);
    ByteBuffer in = ByteBuffer.allocate(HEADER_BYTES);
    for (int s = 0; s < workers - 1; s++) {
      int[] h = headers[Math.floorMod(rank - s, workers)];
      out.clear();
      out.putInt(h[0]).putInt(h[1]).putInt(h[2]).flip();
      in.clear();
      exchangeBytes(out, in);
      in.flip();
      int from = Math.floorMod(rank - s - 1, workers);
      int[] got = {in.getInt(), in.getInt(), in.getInt()};
      if (got[0] != from || got[1] < 0 || got[1] >= ReduceOp.values().length || got[2] < 0) {
        throw new IOException("garbled header from worker " + (rank + workers - 1) % workers + ": "
            + Arrays.toString(got));
      }
      headers[from] = got;
    }
    return headers;
  }

  private void checkHeaders(int[][] headers) {
    for (int w = 1; w < workers; w++) {
      if (headers[w][2] != headers[0][2]) {
        throw KilnException.user("Workers passed arrays of different lengths to allReduce: worker 0 passed "
            + headers[0][2] + " floats, worker " + w + " passed " + headers[w][2]
            + ". Every worker must pass an array of the same length");
      }
    }
    for (int w = 1; w < workers; w++) {
      if (headers[w][1] != headers[0][1]) {
        throw new KilnException(ErrorType.ALGORITHM, "Workers called allReduce with different operations: worker 0 "
            + ReduceOp.values()[headers[0][1]] + ", worker " + w + " " + ReduceOp.values()[headers[w][1]]);
      }
    }
  }

  /** Sends {@code out} to the successor while filling {@code in} from the predecessor. */
  private void exchangeBytes(ByteBuffer out, ByteBuffer in) throws IOException {
    long lastProgress = System.nanoTime();
    while (out.hasRemaining() || in.hasRemaining()) {
      boolean progress = out.hasRemaining() && write(out) > 0;
      progress |= in.hasRemaining() && read(in) > 0;
      if (progress) {
        lastProgress = System.nanoTime();
      } else {
        await(out.hasRemaining(), in.hasRemaining(), lastProgress);
      }
    }
  }

  /**
   * One step: sends {@code values[sendFrom, sendTo)} to the successor while receiving as many floats
   * as {@code [receiveFrom, receiveTo)} holds from the predecessor, folding them in with {@code op}
   * ({@code received op mine}) or, when op is null, copying them. The two ranges never overlap.
   */
  private void exchange(float[] values, int sendFrom, int sendTo, int receiveFrom, int receiveTo, ReduceOp op)
      throws IOException {
    int queued = sendFrom;
    int received = receiveFrom;
    sendBuffer.clear().limit(0);
    receiveBuffer.clear();
    long lastProgress = System.nanoTime();
    while (true) {
      boolean progress = false;
      if (!sendBuffer.hasRemaining() && queued < sendTo) {
        int k = Math.min(sendTo - queued, BUFFER_BYTES / Float.BYTES);
        sendBuffer.clear();
        sendBuffer.asFloatBuffer().put(values, queued, k);
        sendBuffer.limit(k * Float.BYTES);
        queued += k;
      }
      if (sendBuffer.hasRemaining() && write(sendBuffer) > 0) {
        progress = true;
      }
      boolean sent = queued == sendTo && !sendBuffer.hasRemaining();
      if (received < receiveTo) {
        // never read past this step's bytes: the predecessor may already be sending the next step's
        long wanted = (long) (receiveTo - received) * Float.BYTES - receiveBuffer.position();
        receiveBuffer.limit((int) Math.min(BUFFER_BYTES, receiveBuffer.position() + wanted));
        if (read(receiveBuffer) > 0) {
          progress = true;
          received += fold(values, received, op);
        }
      }
      if (sent && received == receiveTo) {
        return;
      }
      if (progress) {
        lastProgress = System.nanoTime();
      } else {
        await(!sent, received < receiveTo, lastProgress);
      }
    }
  }

  /** Folds the whole floats in the receive buffer into {@code values} from {@code at}; returns how many. */
  private int fold(float[] values, int at, ReduceOp op) {
    receiveBuffer.flip();
    int k = receiveBuffer.remaining() / Float.BYTES;
    if (op == null) {
      receiveBuffer.asFloatBuffer().get(values, at, k);
    } else {
      receiveBuffer.asFloatBuffer().get(scratch, 0, k);
      switch (op) {
        case SUM -> {
          for (int i = 0; i < k; i++) {
            values[at + i] = scratch[i] + values[at + i];
          }
        }
        case MIN -> {
          for (int i = 0; i < k; i++) {
            values[at + i] = Math.min(scratch[i], values[at + i]);
          }
        }
        case MAX -> {
          for (int i = 0; i < k; i++) {
            values[at + i] = Math.max(scratch[i], values[at + i]);
          }
        }
        default -> throw new IllegalArgumentException(op.toString());
      }
    }
    receiveBuffer.position(k * Float.BYTES);
    receiveBuffer.compact();
    return k;
  }

  private int write(ByteBuffer b) throws IOException {
    try {
      return next.write(b);
    } catch (IOException e) {
      throw new PeerException(true, e);
    }
  }

  private int read(ByteBuffer b) throws IOException {
    int n;
    try {
      n = prev.read(b);
    } catch (IOException e) {
      throw new PeerException(false, e);
    }
    if (n < 0) {
      throw new PeerException(false, new EOFException("closed the connection"));
    }
    return n;
  }

  /** Waits until a channel can move bytes, failing when nothing has moved for the timeout. */
  private void await(boolean write, boolean read, long lastProgress) throws IOException {
    long left = lastProgress + timeoutNanos - System.nanoTime();
    if (left <= 0) {
      throw new SocketTimeoutException();
    }
    nextKey.interestOps(write ? SelectionKey.OP_WRITE : 0);
    prevKey.interestOps(read ? SelectionKey.OP_READ : 0);
    selector.select(Math.max(1, left / 1_000_000));
    selector.selectedKeys().clear();
    checkInterrupt();
    if (closed) {
      throw new IOException("the ring was closed");
    }
  }

  private String failure(Exception e) {
    int nextRank = (rank + 1) % workers;
    int prevRank = (rank + workers - 1) % workers;
    String head = "Worker " + rank + "'s all-reduce failed: ";
    if (e instanceof PeerException p) {
      String peer = p.sending ? "worker " + nextRank + " at " + nextAddress : "worker " + prevRank + " at " + prevAddress;
      if (p.getCause() instanceof EOFException) {
        return head + peer + " closed its connection (it failed, was stopped or its executor was lost)";
      }
      return head + "lost the connection " + (p.sending ? "to " : "from ") + peer + " (" + p.getCause().getMessage()
          + "): the worker failed or its executor was lost";
    }
    if (e instanceof SocketTimeoutException) {
      return head + "no progress for " + timeoutNanos / 1_000_000_000 + " s: worker " + prevRank + " at "
          + prevAddress + " sent nothing and worker " + nextRank + " at " + nextAddress
          + " took nothing. A worker is stuck, unreachable, or reached allReduce that much later than the others ("
          + Collectives.TIMEOUT + " sets the limit)";
    }
    if (e instanceof InterruptedIOException) {
      return head + "interrupted (the task was killed)";
    }
    if (closed) {
      return head + "its ring was closed while the call ran";
    }
    return head + e;
  }

  /** Writes a few bytes of the handshake on a blocking channel: they fit the empty socket buffer. */
  private static void writeFully(SocketChannel c, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  /** Reads until {@code b} is full, through the socket's stream so that a read timeout applies. */
  private static void readFully(SocketChannel c, ByteBuffer b, long deadline) throws IOException {
    while (b.hasRemaining()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException();
      }
      c.socket().setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
      int n = c.socket().getInputStream().read(b.array(), b.arrayOffset() + b.position(), b.remaining());
      if (n < 0) {
        throw new EOFException("the peer closed the connection");
      }
      b.position(b.position() + n);
    }
  }

  private static void checkInterrupt() throws InterruptedIOException {
    if (Thread.currentThread().isInterrupted()) {
      throw new InterruptedIOException("interrupted");
    }
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private static String remote(SocketChannel c) {
    try {
      return String.valueOf(c.getRemoteAddress());
    } catch (IOException e) {
      return "?";
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  /** Ends the ring's connections; the peers' next read or write fails at once. Idempotent. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(selector);
    closeQuietly(next);
    closeQuietly(prev);
  }

  /** An I/O failure on the connection to the successor (sending) or from the predecessor. */
  private static final class PeerException extends IOException {
    private static final long serialVersionUID = 1L;
    final boolean sending;

    PeerException(boolean sending, IOException cause) {
      super(cause.getMessage(), cause);
      this.sending = sending;
    }
  }
}
