package io.kiln.barrier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.Directive;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of the line to the workers: a small TCP server that receives each round's
 * metrics while training runs and answers with a {@link Directive}.
 *
 * <p>Every worker asks after every round; the answer for a round is decided once, at the first
 * question, and every worker gets the same one, so all workers stop (or checkpoint) at the same
 * round boundary. Requests carry a random token known only to this job's tasks.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ControlServer.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** What the driver does with what workers send. */
  public interface Handler {
    /** The directive for the first question about this round; called once per (attempt, round). */
    Directive decide(int attempt, int round);

    /** Rank 0's metrics for a round. */
    void onRound(int attempt, int round, Map<String, Double> metrics);

    /** A log line from a worker. */
    void onLog(int rank, String line);

    /**
     * Lines a worker's process printed ({@code WorkerContext.logLines}), in order, from one message;
     * by default each is logged as {@code [<source>] <line>}.
     */
    default void onLines(int rank, String source, java.util.List<String> lines) {
      lines.forEach(l -> onLog(rank, "[" + source + "] " + l));
    }

    /** What worker {@code rank} should do now, asked outside any round ({@code WorkerContext.poll}). */
    Directive poll(int attempt, int rank);
  }

  /** Requests served by every control server of this JVM, by type ("report", "poll", "log", "lines"). */
  private static final Map<String, java.util.concurrent.atomic.LongAdder> SERVED = new ConcurrentHashMap<>();

  private final ServerSocket socket;
  private final String token;
  private final Handler handler;
  private final Map<Long, Directive> decided = new ConcurrentHashMap<>();
  private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "kiln-control");
    t.setDaemon(true);
    return t;
  });
  private final java.util.Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public ControlServer(String host, Handler handler) throws IOException {
    this.handler = handler;
    this.socket = new ServerSocket();
    this.socket.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
    byte[] t = new byte[16];
    new SecureRandom().nextBytes(t);
    this.token = HexFormat.of().formatHex(t);
    Thread accept = new Thread(this::acceptLoop, "kiln-control-accept");
    accept.setDaemon(true);
    accept.start();
  }

  /**
   * A round reported on the driver itself (a driver-side training loop): the same handling and the
   * same once-per-round decision as a worker's report.
   */
  public Directive reportLocal(int attempt, int round, Map<String, Double> metrics) {
    handler.onRound(attempt, round, metrics);
    long key = ((long) attempt << 32) | (round & 0xffffffffL);
    return decided.computeIfAbsent(key, k -> handler.decide(attempt, round));
  }

  /**
   * How many requests of {@code type} ({@code report}, {@code poll}, {@code log} or {@code lines})
   * the control servers of this JVM have served since it started: each is one round trip from a
   * worker to the driver. A diagnostic counter (tests compare it before and after a job).
   */
  public static long requestsServed(String type) {
    java.util.concurrent.atomic.LongAdder n = SERVED.get(type);
    return n == null ? 0 : n.sum();
  }

  /** What a task needs to reach this server. */
  public ControlClient client() {
    return new ControlClient(socket.getInetAddress().getHostAddress(), socket.getLocalPort(), token);
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket s = socket.accept();
        open.add(s);
        if (closed) {
          // accepted while close() ran: it may have closed the open sockets already, and a worker
          // left waiting on this one would hang until its read timeout, holding a barrier slot
          closeQuietly(s);
          continue;
        }
        try {
          connections.execute(() -> serve(s));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          closeQuietly(s); // closed meanwhile
        }
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Control server accept failed: {}", e.toString());
        }
      }
    }
  }

  private void serve(Socket s) {
    try (s;
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = s.getOutputStream()) {
      String line;
      while ((line = in.readLine()) != null) {
        JsonNode req = MAPPER.readTree(line);
        if (!token.equals(req.path("token").asText())) {
          LOG.warn("Control server: request with a wrong token from {}; closing", s.getRemoteSocketAddress());
          return;
        }
        ObjectNode resp = MAPPER.createObjectNode();
        SERVED.computeIfAbsent(req.path("type").asText(), k -> new java.util.concurrent.atomic.LongAdder()).increment();
        switch (req.path("type").asText()) {
          case "report" -> {
            int attempt = req.path("attempt").asInt();
            int round = req.path("round").asInt();
            if (req.path("rank").asInt() == 0) {
              Map<String, Double> metrics = new LinkedHashMap<>();
              req.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
              handler.onRound(attempt, round, metrics);
            }
            long key = ((long) attempt << 32) | (round & 0xffffffffL);
            resp.put("directive", decided.computeIfAbsent(key, k -> handler.decide(attempt, round)).name());
          }
          case "poll" -> resp.put("directive",
              handler.poll(req.path("attempt").asInt(), req.path("rank").asInt()).name());
          case "log" -> {
            handler.onLog(req.path("rank").asInt(), req.path("line").asText());
            resp.put("ok", true);
          }
          case "lines" -> {
            java.util.List<String> lines = new java.util.ArrayList<>();
            req.path("lines").forEach(l -> lines.add(l.asText()));
            handler.onLines(req.path("rank").asInt(), req.path("source").asText(), lines);
            resp.put("ok", true);
          }
          default -> resp.put("error", "unknown request type");
        }
        out.write((resp.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    } catch (IOException e) {
      if (!closed) {
        LOG.debug("Control connection ended: {}", e.toString());
      }
    } catch (RuntimeException e) {
      LOG.warn("Control server: handler failed", e);
    } finally {
      open.remove(s);
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    // a worker blocked on its next report must see the end now, not after its read timeout: a
    // task of a failed stage that lingers holds a barrier slot the next job needs
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    connections.shutdownNow();
  }
}
