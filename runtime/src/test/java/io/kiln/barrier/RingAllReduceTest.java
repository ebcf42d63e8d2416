package io.kiln.barrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.ReduceOp;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ring all-reduce between n threads of one JVM, over real loopback sockets. */
class RingAllReduceTest {
  private static final String HOST = "127.0.0.1";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ring-test");
    t.setDaemon(true);
    return t;
  });

  @AfterAll
  static void stopPool() {
    POOL.shutdownNow();
  }

  /** A worker's code: its rank and its connected ring. */
  interface WorkerBody {
    float[] run(int rank, RingAllReduce ring) throws Exception;
  }

  static Stream<Arguments> shapes() {
    List<Arguments> out = new ArrayList<>();
    for (int n : new int[] {2, 3, 4}) {
      for (int length : new int[] {0, 1, n - 1, n + 1, 1000, 1_000_003}) {
        for (ReduceOp op : ReduceOp.values()) {
          if (length < 1_000_000 || op == ReduceOp.SUM) {
            out.add(Arguments.of(n, length, op));
          }
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} workers, {1} floats, {2}")
  @MethodSource("shapes")
  void everyWorkerEndsWithTheSameReductionInTheDocumentedOrder(int n, int length, ReduceOp op) throws Exception {
    float[][] inputs = new float[n][length];
    Random random = new Random(31L * n + length);
    for (float[] input : inputs) {
      for (int i = 0; i < length; i++) {
        // values of very different magnitudes, so that the order of a sum shows in its bits
        input[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(8) - 4));
      }
    }
    float[] expected = reference(inputs, op);

    List<float[]> results = runRing(n, (rank, ring) -> {
      float[] values = inputs[rank].clone();
      ring.allReduce(values, op);
      return values;
    });

    for (int r = 0; r < n; r++) {
      assertSameBits(results.get(r), expected, "rank " + r);
    }
  }

  @Test
  void sumsOfSmallIntegersMatchAPlainSumAndRepeatedCallsReuseTheRing() throws Exception {
    int n = 3;
    int length = 10_007;
    List<float[]> results = runRing(n, (rank, ring) -> {
      float[] last = null;
      for (int call = 0; call < 5; call++) {
        float[] values = new float[length + call];
        for (int i = 0; i < values.length; i++) {
          values[i] = (rank + 1) * (i % 100) + call;
        }
        ring.allReduce(values, ReduceOp.SUM);
        last = values;
      }
      return last;
    });
    float[] expected = new float[length + 4];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = 6 * (i % 100) + 3 * 4; // (1 + 2 + 3) * (i % 100) + 3 workers * call 4
    }
    for (float[] r : results) {
      assertThat(r).isEqualTo(expected);
    }
  }

  @Test
  void nanAndInfinitiesBehaveAsJavaFloatArithmetic() throws Exception {
    float nan = Float.NaN;
    float inf = Float.POSITIVE_INFINITY;
    float[][] inputs = {
        {nan, inf, inf, 1f, -0f, 0f, Float.MAX_VALUE},
        {2f, -inf, 1f, nan, 0f, -0f, Float.MAX_VALUE},
        {3f, 1f, 1f, 5f, -0f, 0f, 0f}};
    float[] sum = runOne(inputs, ReduceOp.SUM);
    float[] min = runOne(inputs, ReduceOp.MIN);
    float[] max = runOne(inputs, ReduceOp.MAX);

    assertThat(sum).isEqualTo(new float[] {nan, nan, inf, nan, 0f, 0f, inf});
    assertThat(min).isEqualTo(new float[] {nan, -inf, 1f, nan, -0f, -0f, 0f});
    assertThat(max).isEqualTo(new float[] {nan, inf, inf, nan, 0f, 0f, Float.MAX_VALUE});
  }

  @Test
  void oneWorkerLeavesTheValuesAndNeverGathers() {
    RingAllReduce ring = RingAllReduce.connect(0, 1, HOST, m -> {
      throw new AssertionError("a single worker has no one to gather with");
    });
    float[] values = {1f, Float.NaN, -2f};
    ring.allReduce(values, ReduceOp.SUM);
    assertThat(values).isEqualTo(new float[] {1f, Float.NaN, -2f});
    ring.close();
  }

  @Test
  void arraysOfDifferentLengthsAreAUserErrorOnEveryWorkerAndTheRingStaysUsable() throws Exception {
    List<float[]> results = runRing(3, (rank, ring) -> {
      float[] wrong = new float[rank == 2 ? 5 : 4];
      assertThatThrownBy(() -> ring.allReduce(wrong, ReduceOp.SUM))
          .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.USER))
          .hasMessage("Workers passed arrays of different lengths to allReduce: worker 0 passed 4 floats, "
              + "worker 2 passed 5. Every worker must pass an array of the same length");
      assertThat(wrong).containsOnly(0f);
      float[] right = {rank, 1f};
      ring.allReduce(right, ReduceOp.MAX);
      return right;
    });
    for (float[] r : results) {
      assertThat(r).isEqualTo(new float[] {2f, 1f});
    }
  }

  @Test
  void differentOperationsAreAnAlgorithmError() throws Exception {
    runRing(2, (rank, ring) -> {
      float[] values = {1f};
      assertThatThrownBy(() -> ring.allReduce(values, rank == 0 ? ReduceOp.SUM : ReduceOp.MAX))
          .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.ALGORITHM))
          .hasMessage("Workers called allReduce with different operations: worker 0 SUM, worker 1 MAX");
      return values;
    });
  }

  @Test
  void aPeerThatDiesFailsTheOthersAtOnceNotAfterTheTimeout() throws Exception {
    List<Object> outcomes = runRingOutcomes(3, Duration.ofSeconds(60), (rank, ring) -> {
      if (rank == 1) {
        Thread.sleep(300); // the others are waiting in allReduce by now
        ring.close(); // as its JVM dying would: its sockets close
        return null;
      }
      ring.allReduce(new float[100_000], ReduceOp.SUM);
      return null;
    }, 20);
    for (int r : new int[] {0, 2}) {
      assertThat(outcomes.get(r)).as("rank %d", r).isInstanceOfSatisfying(KilnException.class, e -> {
        assertThat(e.type()).isEqualTo(ErrorType.INTERNAL);
        assertThat(e.getMessage()).startsWith("Worker " + r + "'s all-reduce failed: ");
      });
    }
    // rank 2 reads from rank 1 and sees it go; rank 0 hears of it through rank 2 closing in turn
    assertThat(((Exception) outcomes.get(2)).getMessage()).contains("worker 1 at 127.0.0.1:", "closed its connection");
  }

  @Test
  void aPeerThatDiesMidTransferFailsItsSuccessor() throws Exception {
    // rank 1 is played by hand over the real wire: it joins the ring, sends its header and half of
    // the chunk it owes, then vanishes
    int length = 2_000_000;
    ServerSocket listener = new ServerSocket();
    listener.bind(new InetSocketAddress(HOST, 0));
    byte[] token = new byte[16];
    new Random(1).nextBytes(token);
    Gather gather = new Gather(2);
    Future<Object> rank0 = POOL.submit(() -> {
      try (RingAllReduce ring = RingAllReduce.connect(0, 2, HOST, gather.rank(0), TIMEOUT)) {
        ring.allReduce(new float[length], ReduceOp.SUM);
        return "finished";
      } catch (KilnException e) {
        return e;
      }
    });
    String[] all = gather.rank(1).apply(HOST + " " + listener.getLocalPort() + " " + HexFormat.of().formatHex(token));
    String[] zero = all[0].split(" ");
    try (Socket toZero = new Socket(zero[0], Integer.parseInt(zero[1]))) {
      toZero.getOutputStream().write(ByteBuffer.allocate(32).putLong(0x4b494c4e52494e47L)
          .put(HexFormat.of().parseHex(zero[2])).putInt(1).putInt(2).array());
      try (Socket fromZero = listener.accept()) {
        assertThat(fromZero.getInputStream().readNBytes(32)).startsWith("KILNRING".getBytes());
        fromZero.getOutputStream().write(1);
        assertThat(toZero.getInputStream().read()).isEqualTo(1);
        toZero.getOutputStream().write(ByteBuffer.allocate(12).putInt(1).putInt(ReduceOp.SUM.ordinal())
            .putInt(length).array());
        fromZero.getInputStream().readNBytes(12);
        toZero.getOutputStream().write(ByteBuffer.allocate(length / 2 * 4 / 2).order(ByteOrder.LITTLE_ENDIAN).array());
      }
    }
    listener.close();
    Object outcome = rank0.get(20, TimeUnit.SECONDS);
    assertThat(outcome).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.INTERNAL);
      assertThat(e.getMessage()).startsWith("Worker 0's all-reduce failed: ").containsAnyOf(
          "worker 1 at 127.0.0.1:" + listener.getLocalPort() + " closed its connection",
          "lost the connection");
    });
  }

  @Test
  void aStuckPeerFailsTheOthersAfterTheTimeout() throws Exception {
    double[] failedAfter = new double[3];
    CyclicBarrier connected = new CyclicBarrier(3);
    long[] commonStart = new long[1];
    CountDownLatch othersDone = new CountDownLatch(2);
    List<Object> outcomes = runRingOutcomes(3, Duration.ofSeconds(1), (rank, ring) -> {
      connected.await(30, TimeUnit.SECONDS);
      if (rank == 0) {
        commonStart[0] = System.nanoTime();
        // alive, connections open, never calls, until the others have given up on it
        othersDone.await(30, TimeUnit.SECONDS);
        return null;
      }
      long t0 = System.nanoTime();
      try {
        ring.allReduce(new float[10], ReduceOp.SUM);
        return null;
      } finally {
        failedAfter[rank] = (System.nanoTime() - t0) / 1e9;
        othersDone.countDown();
      }
    }, 20);
    double slowest = (System.nanoTime() - commonStart[0]) / 1e9;
    for (int r : new int[] {1, 2}) {
      assertThat(outcomes.get(r)).as("rank %d", r).isInstanceOfSatisfying(KilnException.class,
          e -> assertThat(e.type()).isEqualTo(ErrorType.INTERNAL));
    }
    // rank 1 waits on rank 0 and times out, no sooner than the timeout after its own call began; rank 2
    // waits on rank 1, and either sees it close or times out too (their deadlines are microseconds apart)
    assertThat(failedAfter[1]).as("rank 1 failed after (s)").isGreaterThanOrEqualTo(1.0);
    assertThat(((Exception) outcomes.get(1)).getMessage()).contains("no progress for 1 s: worker 0 at 127.0.0.1:",
        "spark.kiln.collectives.timeout-seconds");
    // long before rank 0 would have let go (30 s): the timeout ended the calls, with room for a loaded machine
    assertThat(slowest).as("seconds from the common start until every worker was done").isLessThan(10);
  }

  @Test
  void anInterruptEndsABlockedCallAtOnce() throws Exception {
    CountDownLatch rankZeroDone = new CountDownLatch(1);
    long[] interruptedAt = new long[1];
    double[] endedAfterInterrupt = new double[1];
    List<Object> outcomes = runRingOutcomes(2, TIMEOUT, (rank, ring) -> {
      if (rank == 1) {
        // in the ring and silent until rank 0's call has ended: only the interrupt can end it
        rankZeroDone.await(30, TimeUnit.SECONDS);
        return null;
      }
      Thread self = Thread.currentThread();
      POOL.submit(() -> {
        Thread.sleep(300);
        interruptedAt[0] = System.nanoTime();
        self.interrupt();
        return null;
      });
      try {
        ring.allReduce(new float[10], ReduceOp.SUM);
        return null;
      } finally {
        endedAfterInterrupt[0] = (System.nanoTime() - interruptedAt[0]) / 1e9;
        Thread.interrupted();
        rankZeroDone.countDown();
      }
    }, 20);
    assertThat(outcomes.get(0)).isInstanceOfSatisfying(KilnException.class,
        e -> assertThat(e.getMessage()).isEqualTo("Worker 0's all-reduce failed: interrupted (the task was killed)"));
    // at once: not after the ring's 30 s timeout (with room for a loaded machine)
    assertThat(endedAfterInterrupt[0]).as("seconds from the interrupt to the end of the call").isLessThan(10);
  }

  @Test
  void aStrayConnectionCannotJoinTheRing() throws Exception {
    Gather gather = new Gather(2);
    List<Socket> strays = new ArrayList<>();
    // before the workers learn the addresses, two strays connect to rank 1: one sends a hello with
    // a wrong token, one sends nothing
    gather.onGathered = all -> {
      String[] one = all[1].split(" ");
      try {
        Socket wrong = new Socket(one[0], Integer.parseInt(one[1]));
        byte[] badToken = HexFormat.of().parseHex(one[2]);
        badToken[0] ^= 1;
        wrong.getOutputStream().write(ByteBuffer.allocate(32).putLong(0x4b494c4e52494e47L).put(badToken)
            .putInt(0).putInt(2).array());
        strays.add(wrong);
        strays.add(new Socket(one[0], Integer.parseInt(one[1])));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
    List<float[]> results = runRing(2, gather, TIMEOUT, (rank, ring) -> {
      float[] values = {rank + 1f};
      ring.allReduce(values, ReduceOp.SUM);
      return values;
    });
    assertThat(results).allSatisfy(r -> assertThat(r).containsExactly(3f));
    assertThat(strays).hasSize(2);
    for (Socket s : strays) {
      s.setSoTimeout(5000);
      try (InputStream in = s.getInputStream()) {
        assertThat(in.read()).as("the ring closed the stray connection").isEqualTo(-1);
      }
    }
  }

  @Test
  void anUnreachablePeerIsAnInternalErrorWithinTheTimeout() throws IOException {
    // rank 1's address is a port bound but not listening: connections are refused, and no other
    // process can take the port while the test runs
    try (Socket holder = new Socket()) {
      holder.bind(new InetSocketAddress(HOST, 0));
      int dead = holder.getLocalPort();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> RingAllReduce.connect(0, 2, HOST,
          m -> new String[] {m, HOST + " " + dead + " 00000000000000000000000000000000"}, Duration.ofSeconds(1)))
          .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.INTERNAL))
          .hasMessageStartingWith("Worker 0 cannot form the all-reduce ring of 2 workers: could not connect to worker"
              + " 1 at " + HOST + ":" + dead + ": ");
      // the 1 s timeout, not the default's minutes (with room for a loaded machine)
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(10);
    }
  }

  // -- helpers

  /** The reduction as the ring documents it: chunk c combined in ring order from worker c. */
  static float[] reference(float[][] inputs, ReduceOp op) {
    int n = inputs.length;
    int length = inputs[0].length;
    float[] out = new float[length];
    for (int c = 0; c < n; c++) {
      for (int i = (int) ((long) c * length / n); i < (int) ((long) (c + 1) * length / n); i++) {
        float acc = inputs[c][i];
        for (int k = 1; k < n; k++) {
          float x = inputs[(c + k) % n][i];
          acc = switch (op) {
            case SUM -> acc + x;
            case MIN -> Math.min(acc, x);
            case MAX -> Math.max(acc, x);
          };
        }
        out[i] = acc;
      }
    }
    return out;
  }

  /** Bit-for-bit equality (NaN equals NaN, -0.0 differs from 0.0), naming the first difference. */
  static void assertSameBits(float[] actual, float[] expected, String what) {
    assertThat(actual.length).as(what + ": length").isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
        throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i]);
      }
    }
  }

  private float[] runOne(float[][] inputs, ReduceOp op) throws Exception {
    List<float[]> results = runRing(inputs.length, (rank, ring) -> {
      float[] values = inputs[rank].clone();
      ring.allReduce(values, op);
      return values;
    });
    for (float[] r : results) {
      assertThat(r).isEqualTo(results.get(0));
    }
    return results.get(0);
  }

  static List<float[]> runRing(int n, WorkerBody body) throws Exception {
    return runRing(n, new Gather(n), TIMEOUT, body);
  }

  /** Runs n workers, each connecting its ring; fails on the first worker that throws. */
  static List<float[]> runRing(int n, Gather gather, Duration timeout, WorkerBody body) throws Exception {
    List<Future<float[]>> futures = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      futures.add(POOL.submit(() -> {
        try (RingAllReduce ring = RingAllReduce.connect(rank, n, HOST, gather.rank(rank), timeout)) {
          return body.run(rank, ring);
        }
      }));
    }
    List<float[]> out = new ArrayList<>();
    for (Future<float[]> f : futures) {
      try {
        out.add(f.get(60, TimeUnit.SECONDS));
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
      }
    }
    return out;
  }

  /** Runs n workers; each outcome is what the body returned or what it threw. */
  static List<Object> runRingOutcomes(int n, Duration timeout, WorkerBody body, int waitSeconds) throws Exception {
    Gather gather = new Gather(n);
    List<Future<Object>> futures = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      futures.add(POOL.submit(() -> {
        try (RingAllReduce ring = RingAllReduce.connect(rank, n, HOST, gather.rank(rank), timeout)) {
          return body.run(rank, ring);
        } catch (KilnException e) {
          return e;
        }
      }));
    }
    List<Object> out = new ArrayList<>();
    for (Future<Object> f : futures) {
      try {
        out.add(f.get(waitSeconds, TimeUnit.SECONDS));
      } catch (TimeoutException e) {
        throw new AssertionError("a worker hung for " + waitSeconds + " s", e);
      }
    }
    return out;
  }

  /** allGather between threads, as Spark's barrier does between tasks. */
  static final class Gather {
    private final String[] slots;
    private final CyclicBarrier filled;
    private final CyclicBarrier read;
    volatile Consumer<String[]> onGathered = all -> {};

    Gather(int n) {
      slots = new String[n];
      filled = new CyclicBarrier(n, () -> onGathered.accept(slots.clone()));
      read = new CyclicBarrier(n);
    }

    Function<String, String[]> rank(int rank) {
      return message -> {
        slots[rank] = message;
        await(filled);
        String[] out = slots.clone();
        await(read);
        return out;
      };
    }

    private static void await(CyclicBarrier barrier) {
      try {
        barrier.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
        throw new IllegalStateException("allGather failed", e);
      }
    }
  }
}
