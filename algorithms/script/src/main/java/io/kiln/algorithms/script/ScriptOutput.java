package io.kiln.algorithms.script;

import io.kiln.spi.WorkerContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A script's output on its way to the job log: one thread per pipe reads the lines as the script
 * prints them, and they reach the driver in batches ({@link WorkerContext#logLines}, one round trip
 * each, the worker's host as their source), in the order they were read: a batch goes when
 * {@value #FLUSH_MILLIS} ms have passed since the last one, when it holds {@value #BATCH_LINES}
 * lines or {@value #BATCH_CHARS} characters, and at {@link #close()}; no message carries more than
 * that. On the driver each line
 * becomes {@code [worker <rank>] [<host>] <line>} and the job's MetricDefinitions read it as printed.
 *
 * <p>Memory stays bounded: when the driver falls behind and {@value #MAX_PENDING_CHARS} characters
 * wait, the pipe readers wait too (so the script blocks on a full pipe, as it would on a slow
 * terminal). If the driver cannot be reached, further lines are read and dropped, so the script never
 * blocks; its exit code still decides the job.
 */
final class ScriptOutput implements AutoCloseable {
  /** The longest line sent to the job log in one piece (characters). */
  static final int MAX_LINE = 16 * 1024;
  /** At most this long between a line's arrival and its batch leaving (milliseconds). */
  static final long FLUSH_MILLIS = 200;
  /** A batch leaves at once when it holds this many lines. */
  static final int BATCH_LINES = 2000;
  /** ... or this many characters. */
  static final int BATCH_CHARS = 512 * 1024;
  /** Characters waiting for the driver beyond which the pipe readers wait. */
  static final int MAX_PENDING_CHARS = 8 * BATCH_CHARS;
  /** Lines of stderr kept for the error message. */
  private static final int STDERR_TAIL = 20;

  private final WorkerContext ctx;
  private final String host;
  private final Object sendLock = new Object();
  private final Thread flusher;
  private List<String> pending = new ArrayList<>(); // guarded by this
  private long pendingChars; // guarded by this
  private boolean closed; // guarded by this
  private volatile boolean broken;

  /**
   * Starts the flushing thread.
   *
   * @param host the source the lines are shown under (the worker's host name)
   */
  ScriptOutput(WorkerContext ctx, String host) {
    this.ctx = ctx;
    this.host = host;
    this.flusher = new Thread(this::flushLoop, "kiln-script-output");
    flusher.setDaemon(true);
    flusher.start();
  }

  /**
   * Starts a thread that reads {@code stream}'s lines ({@link #readLine}) into the batches until it
   * ends; with {@code tail}, also keeps the last non-blank lines there (stripped; at most 20) for an
   * error message. Join the thread before {@link #close()} so every line goes.
   */
  Thread pump(InputStream stream, Deque<String> tail, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        String line;
        while ((line = readLine(r)) != null) {
          add(line);
          if (tail != null && !line.isBlank()) {
            synchronized (tail) {
              tail.addLast(line.strip());
              if (tail.size() > STDERR_TAIL) {
                tail.removeFirst();
              }
            }
          }
        }
      } catch (IOException e) {
        // the process ended; the exit code still decides
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "kiln-script-" + name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Queues one line (without its line break); waits while the driver is far behind. */
  void add(String line) throws InterruptedException {
    synchronized (this) {
      while (pendingChars >= MAX_PENDING_CHARS && !closed && !broken) {
        wait(FLUSH_MILLIS);
      }
      if (broken) {
        return;
      }
      pending.add(line);
      pendingChars += line.length();
      if (pending.size() >= BATCH_LINES || pendingChars >= BATCH_CHARS) {
        notifyAll(); // the flusher sends now
      }
    }
  }

  /** Sends what is queued now, before anything queued later (then, e.g., a line of Kiln's own). */
  void flush() {
    synchronized (sendLock) {
      List<String> batch;
      synchronized (this) {
        batch = pending;
        pending = new ArrayList<>();
        pendingChars = 0;
        notifyAll(); // pipe readers waiting for room
      }
      // what piled up while the last message was on its way goes in messages of at most a batch's size
      int from = 0;
      while (from < batch.size() && !broken) {
        int to = from;
        long chars = 0;
        while (to < batch.size() && to - from < BATCH_LINES
            && (to == from || chars + batch.get(to).length() <= BATCH_CHARS)) {
          chars += batch.get(to).length();
          to++;
        }
        try {
          ctx.logLines(host, batch.subList(from, to));
        } catch (RuntimeException e) {
          broken = true; // the driver is gone: keep reading the pipes, drop the lines
        }
        from = to;
      }
    }
  }

  private void flushLoop() {
    while (true) {
      synchronized (this) {
        if (closed) {
          return;
        }
        if (pending.size() < BATCH_LINES && pendingChars < BATCH_CHARS) {
          try {
            wait(FLUSH_MILLIS);
          } catch (InterruptedException e) {
            return;
          }
        }
      }
      flush();
    }
  }

  /** Stops the flushing thread and sends what is left. */
  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      flusher.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }

  /**
   * The next line (without its line break: {@code \n}, {@code \r\n} or {@code \r}), or null at the
   * end; a line longer than {@value #MAX_LINE} characters comes in pieces of that length, so a script
   * that prints without line breaks cannot fill the worker's memory or the driver's log with one entry.
   */
  static String readLine(BufferedReader r) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = r.read()) >= 0) {
      if (c == '\n') {
        return b.toString();
      }
      if (c == '\r') {
        r.mark(1);
        if (r.read() != '\n') {
          r.reset();
        }
        return b.toString();
      }
      b.append((char) c);
      if (b.length() >= MAX_LINE) {
        // a line of exactly MAX_LINE characters is one piece, not that piece and an empty line
        r.mark(2);
        int next = r.read();
        if (next == '\r') {
          r.mark(1);
          if (r.read() != '\n') {
            r.reset();
          }
        } else if (next != '\n') {
          r.reset();
        }
        return b.toString();
      }
    }
    return b.length() == 0 ? null : b.toString();
  }
}
