package io.kiln.algorithms.script;

import io.kiln.spi.WorkerContext;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * SageMaker's Pipe input mode for one worker: each Pipe channel is a series of FIFOs
 * {@code input/data/<channel>_<epoch>} (SageMaker's naming, which its PipeModeDataset and the
 * training toolkit's docs use), one per pass over the channel. A writer thread per channel creates
 * {@code <channel>_0}, waits for the script to open it, streams the worker's objects into it in key
 * order (decompressed), creates {@code <channel>_1} for the next epoch and then closes the first
 * (the script reads end of file and finds the next FIFO there), and so on, as SageMaker makes the next
 * epoch's FIFO when the previous one has been read. A script that stops reading early (closes the
 * FIFO) ends that epoch.
 *
 * <p>The objects are first downloaded to a staging directory outside {@code input/data} (the runtime's
 * per-worker download), then streamed from it: the script sees SageMaker's FIFOs, but the data is on
 * the worker's disk as in File mode.
 *
 * <p>{@link #close()}, called when the script has exited, ends every writer, including one waiting
 * for a reader that will never come.
 */
final class PipeChannels implements AutoCloseable {
  private final List<Writer> writers = new ArrayList<>();

  /**
   * Starts the FIFOs of one channel.
   *
   * @param channel the channel's name (checked by the worker: no path separator)
   * @param staged the channel's objects as files, in the order they are streamed
   * @param dataDir {@code input/data}, where the FIFOs are made
   * @throws IOException when the first FIFO cannot be made ({@code mkfifo})
   */
  void start(WorkerContext ctx, String channel, List<Path> staged, Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Writer w = new Writer(ctx, channel, List.copyOf(staged), dataDir);
    w.makeFifo(0);
    writers.add(w);
    w.thread.start();
  }

  /** The files under {@code dir}, recursively, in path order (the objects' key order). */
  static List<Path> files(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Override
  public void close() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Writer w : writers) {
      // again while it lives: it may have made the next FIFO after the previous look
      while (w.thread.isAlive() && System.nanoTime() < deadline) {
        w.stop();
        w.thread.join(200);
      }
    }
  }

  private static final class Writer implements Runnable {
    private final WorkerContext ctx;
    private final String channel;
    private final List<Path> files;
    private final Path dataDir;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile Path current;

    Writer(WorkerContext ctx, String channel, List<Path> files, Path dataDir) {
      this.ctx = ctx;
      this.channel = channel;
      this.files = files;
      this.dataDir = dataDir;
      this.thread = new Thread(this, "kiln-pipe-" + channel);
      thread.setDaemon(true);
    }

    Path makeFifo(int epoch) throws IOException {
      Path fifo = dataDir.resolve(channel + "_" + epoch);
      Process p = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).redirectErrorStream(true).start();
      try {
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new IOException("mkfifo " + fifo + " failed: " + out.strip());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted making " + fifo, e);
      }
      current = fifo;
      return fifo;
    }

    @Override
    public void run() {
      Path fifo = current;
      try {
        for (int epoch = 0; !stopped; epoch++) {
          OutputStream out = new FileOutputStream(fifo.toFile()); // waits for the script to open it
          try {
            if (stopped) {
              return;
            }
            for (Path f : files) {
              Files.copy(f, out);
            }
          } catch (IOException e) {
            if (stopped) {
              return;
            }
            // the script closed the FIFO before the end (broken pipe): that epoch is over
          } finally {
            if (!stopped) {
              fifo = makeFifo(epoch + 1); // before the end of file, so the script finds the next epoch at once
            }
            try {
              out.close();
            } catch (IOException e) {
              // broken pipe on the flush: the reader has gone
            }
          }
        }
      } catch (IOException e) {
        if (!stopped) {
          ctx.log("Pipe channel " + channel + ": " + e.getMessage());
        }
      }
    }

    /** Ends the writer: a writer waiting in open() for a reader is let through by opening the FIFO here. */
    void stop() {
      stopped = true;
      Path fifo = current;
      if (fifo != null && thread.isAlive()) {
        try (RandomAccessFile unblock = new RandomAccessFile(fifo.toFile(), "rw")) {
          // opening a FIFO read-write never waits on Linux, and counts as a reader: the writer's open()
          // returns; nothing is read
        } catch (IOException e) {
          // it is gone or the writer has finished
        }
      }
    }
  }
}
