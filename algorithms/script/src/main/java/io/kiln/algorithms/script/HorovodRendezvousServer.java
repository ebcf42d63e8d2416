package io.kiln.algorithms.script;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Horovod's Gloo rendezvous store, served from the driver as {@code horovodrun} and
 * {@code horovod.spark} serve it: an HTTP key-value store (the protocol of Horovod's
 * {@code horovod/runner/http/http_server.py} {@code RendezvousHandler}, spoken by its C++
 * {@code HTTPStore}):
 * <ul>
 *   <li>{@code PUT /<scope>/<key>} with the value as the body (Content-Length) → 200;
 *   <li>{@code GET /<scope>/<key>} → 200 with the value, or 404 while it is not there (the client
 *       polls);
 *   <li>{@code DELETE /<scope>/<key>}: in a rendezvous scope ({@code global}, {@code local_<host>},
 *       {@code cross_<localRank>}) the key is a rank that finished its rendezvous; {@code global} is
 *       cleared when all ranks of the job have finished (Horovod clears each scope at its size;
 *       here {@code local_}/{@code cross_} scopes are kept until the job ends, as their sizes are
 *       only known on the workers). In another scope the key is deleted;
 *   <li>a path without a scope and a key → 400.
 * </ul>
 * Values are at most {@value #MAX_VALUE} bytes and the store at most {@value #MAX_BYTES} bytes (413
 * beyond), so a stray client cannot fill the driver's memory. One store per job, closed when the
 * job's workers end.
 */
final class HorovodRendezvousServer implements AutoCloseable {
  static final int MAX_VALUE = 1 << 20;
  static final long MAX_BYTES = 64L << 20;
  private final HttpServer server;
  private final ExecutorService threads;
  private final int globalSize;
  private final Map<String, Map<String, byte[]>> cache = new HashMap<>();
  private final Set<String> finishedGlobal = new HashSet<>();
  private long bytes;

  private HorovodRendezvousServer(HttpServer server, ExecutorService threads, int globalSize) {
    this.server = server;
    this.threads = threads;
    this.globalSize = globalSize;
  }

  /**
   * Starts the store on a free port of {@code host} (the driver's address the executors reach).
   *
   * @param globalSize the number of Horovod processes (ranks) of the job
   * @throws KilnException INTERNAL when no port can be bound
   */
  static HorovodRendezvousServer start(String host, int globalSize) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), 0), 64);
      ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kiln-horovod-rendezvous");
        t.setDaemon(true);
        return t;
      });
      HorovodRendezvousServer store = new HorovodRendezvousServer(server, threads, globalSize);
      server.createContext("/", store::handle);
      server.setExecutor(threads);
      server.start();
      return store;
    } catch (IOException e) {
      throw KilnException.internal("Cannot start Horovod's rendezvous store on the driver at " + host + ": " + e, e);
    }
  }

  /** The port the store listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  /** The address the store is bound to. */
  String host() {
    return server.getAddress().getAddress().getHostAddress();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String[] parts = exchange.getRequestURI().getRawPath().split("/", -1);
      if (parts.length != 3 || !parts[0].isEmpty() || parts[1].isEmpty()) {
        respond(exchange, 400, null);
        return;
      }
      String scope = parts[1];
      String key = parts[2];
      switch (exchange.getRequestMethod()) {
        case "GET" -> {
          byte[] value;
          synchronized (this) {
            value = cache.getOrDefault(scope, Map.of()).get(key);
          }
          respond(exchange, value == null ? 404 : 200, value);
        }
        case "PUT" -> {
          byte[] value = read(exchange.getRequestBody());
          if (value == null) {
            respond(exchange, 413, null);
            return;
          }
          synchronized (this) {
            byte[] old = cache.computeIfAbsent(scope, s -> new HashMap<>()).get(key);
            long after = bytes + value.length - (old == null ? 0 : old.length);
            if (after > MAX_BYTES) {
              respond(exchange, 413, null);
              return;
            }
            cache.get(scope).put(key, value);
            bytes = after;
          }
          respond(exchange, 200, null);
        }
        case "DELETE" -> {
          delete(scope, key);
          respond(exchange, 200, null);
        }
        default -> respond(exchange, 405, null);
      }
    }
  }

  private synchronized void delete(String scope, String key) {
    if (scope.equals("global")) {
      finishedGlobal.add(key);
      if (finishedGlobal.size() >= globalSize) {
        clear(scope);
        finishedGlobal.clear();
      }
    } else if (!scope.startsWith("local_") && !scope.startsWith("cross_")) {
      Map<String, byte[]> values = cache.get(scope);
      if (values != null) {
        byte[] old = values.remove(key);
        bytes -= old == null ? 0 : old.length;
        if (values.isEmpty()) {
          cache.remove(scope);
        }
      }
    }
  }

  private void clear(String scope) {
    Map<String, byte[]> values = cache.remove(scope);
    if (values != null) {
      values.values().forEach(v -> bytes -= v.length);
    }
  }

  /** The body, or null when it is longer than {@value #MAX_VALUE} bytes. */
  private static byte[] read(InputStream in) throws IOException {
    byte[] value = in.readNBytes(MAX_VALUE + 1);
    return value.length > MAX_VALUE ? null : value;
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    if (body == null || body.length == 0) {
      exchange.sendResponseHeaders(status, -1);
    } else {
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
    }
  }

  /** Stops the store (at once: its clients are the job's processes, which have ended). */
  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
