package io.kiln.barrier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Serializable;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A task's end of the line to the driver's {@link ControlServer}; opens its socket on first use. */
public final class ControlClient implements Serializable, AutoCloseable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String host;
  private final int port;
  private final String token;
  private transient Socket socket;
  private transient BufferedReader in;
  private transient OutputStream out;

  ControlClient(String host, int port, String token) {
    this.host = host;
    this.port = port;
    this.token = token;
  }

  public synchronized Directive report(int attempt, int rank, int round, Map<String, Double> metrics) {
    ObjectNode req = MAPPER.createObjectNode().put("type", "report").put("token", token).put("attempt", attempt)
        .put("rank", rank).put("round", round);
    ObjectNode m = req.putObject("metrics");
    // NaN and infinities travel as Jackson writes them ("NaN", "Infinity"), which the server reads back
    metrics.forEach(m::put);
    JsonNode resp = call(req);
    return Directive.valueOf(resp.path("directive").asText("CONTINUE"));
  }

  /** Asks what to do now, without reporting a round ({@link io.kiln.spi.WorkerContext#poll()}). */
  public synchronized Directive poll(int attempt, int rank) {
    JsonNode resp = call(MAPPER.createObjectNode().put("type", "poll").put("token", token).put("attempt", attempt)
        .put("rank", rank));
    return Directive.valueOf(resp.path("directive").asText("CONTINUE"));
  }

  public synchronized void log(int rank, String line) {
    call(MAPPER.createObjectNode().put("type", "log").put("token", token).put("rank", rank).put("line", line));
  }

  /** Sends lines a worker's process printed, in order, as one message (one round trip). */
  public synchronized void logLines(int rank, String source, java.util.List<String> lines) {
    ObjectNode req = MAPPER.createObjectNode().put("type", "lines").put("token", token).put("rank", rank)
        .put("source", source);
    com.fasterxml.jackson.databind.node.ArrayNode a = req.putArray("lines");
    lines.forEach(a::add);
    call(req);
  }

  private JsonNode call(ObjectNode req) {
    try {
      if (socket == null) {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(120_000);
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        out = socket.getOutputStream();
      }
      out.write((req.toString() + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      String line = in.readLine();
      if (line == null) {
        throw new IOException("the driver closed the connection");
      }
      return MAPPER.readTree(line);
    } catch (IOException e) {
      close();
      throw new KilnException(io.kiln.spi.ErrorType.INTERNAL,
          "Worker lost its connection to the driver at " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
      socket = null;
    }
  }
}
