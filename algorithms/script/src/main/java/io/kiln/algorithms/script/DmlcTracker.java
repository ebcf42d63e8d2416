package io.kiln.algorithms.script;

import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import io.kiln.spi.WorkerContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Rabit tracker of a distributed XGBoost script job, and the DMLC variables that let every
 * process's {@code xgboost.collective.init()} / {@code CommunicatorContext()} (or
 * {@code xgboost.rabit.init()}) join it with no arguments.
 *
 * <p>Rank 0's worker runs {@code <interpreter> -c <program>}: the worker's own Python's
 * {@code xgboost.tracker.RabitTracker} (so the tracker speaks the protocol of the xgboost the script
 * imports; xgboost 1.7's Python tracker and native client), bound to rank 0's host on a port the
 * system picks (not torch's {@code MASTER_PORT}). The program prints that port as its first line;
 * rank 0 shares it with every worker through one {@link WorkerContext#allGather} (every worker calls
 * it once, after its environment is set up), so all know the tracker's address before any script
 * starts. Ranks are assigned by {@code DMLC_TASK_ID} (= the process's {@code RANK}, compared as
 * integers), so Rabit's rank is torch's rank.
 *
 * <p>Variables (xgboost 1.7's native client, {@code rabit/src/allreduce_base.cc}, reads
 * {@code DMLC_TRACKER_URI}, {@code DMLC_TRACKER_PORT}, {@code DMLC_TASK_ID}, {@code DMLC_ROLE},
 * {@code DMLC_NUM_ATTEMPT}; {@code DMLC_NUM_WORKER} is the dmlc launchers' world size, for scripts):
 * {@code DMLC_TRACKER_URI} rank 0's host, {@code DMLC_TRACKER_PORT}, {@code DMLC_NUM_WORKER} the
 * world size, {@code DMLC_TASK_ID} the rank, {@code DMLC_ROLE} {@code worker}.
 *
 * <p>Lifetime: the tracker ends on its own once every process has finalized its connection (sent
 * Rabit's {@code shutdown}). After rank 0's own processes exit, the worker waits for that up to
 * {@value #LINGER_SECONDS} s (the others may still be finishing), then ends it; a stop request, a
 * failure or a cancelled task ends it at once; if the worker's JVM dies, the program sees its stdin
 * close and exits.
 */
final class DmlcTracker implements AutoCloseable {
  /** How long the tracker may outlive rank 0's processes, waiting for the others' shutdown. */
  static final int LINGER_SECONDS = 120;
  /** How long rank 0 waits for the tracker program to print its port. */
  private static final int START_SECONDS = 60;
  /** What the program prints instead of a port when the interpreter has no xgboost. */
  private static final String NO_XGBOOST = "KILN-NO-XGBOOST ";
  /** The allGather message's prefix for a tracker that could not start (then its reason). */
  private static final String FAILED = "!";

  /**
   * The tracker program: argv[1] the host to bind, argv[2] the number of workers. Prints the port,
   * serves until every worker has shut down, exits when its stdin closes (the worker is gone).
   */
  static final String PROGRAM = String.join("\n",
      "import os, sys, threading",
      "try:",
      "    from xgboost.tracker import RabitTracker",
      "except Exception as e:",
      "    print('" + NO_XGBOOST + "' + type(e).__name__ + ': ' + str(e), flush=True)",
      "    sys.exit(3)",
      "class Tracker(RabitTracker):",
      "    def _sort_pending(self, pending):",
      "        pending.sort(key=lambda s: (0, int(s.task_id)) if s.task_id.isdigit() else (1, s.task_id))",
      "        return pending",
      "def orphaned():",
      "    sys.stdin.read()",
      "    os._exit(0)",
      "threading.Thread(target=orphaned, daemon=True).start()",
      "t = Tracker(sys.argv[1], int(sys.argv[2]), port=0, sortby='task')",
      "print(t.port, flush=True)",
      "t.start(int(sys.argv[2]))",
      "t.join()",
      "print('All workers shut down', flush=True)",
      "");

  private final String host;
  private final int port;
  private final Process process;

  private DmlcTracker(String host, int port, Process process) {
    this.host = host;
    this.port = port;
    this.process = process;
  }

  /**
   * Starts the tracker on rank 0 and agrees on its address with every worker. <em>Collective</em>:
   * every worker calls it once.
   *
   * @param interpreter the Python the script runs with (the tracker uses its xgboost)
   * @param hosts every worker's host, by rank (the tracker binds {@code hosts[0]})
   * @param world the number of processes that will join (workers × processes per worker)
   * @param log where the tracker's own lines go (the job log)
   * @return on rank 0 the running tracker; elsewhere a handle holding only its address
   * @throws KilnException USER when the interpreter has no xgboost (naming it and the fix), ALGORITHM
   *     when the tracker did not start (its last line), on every worker
   */
  static DmlcTracker join(WorkerContext ctx, String interpreter, List<String> hosts, int world,
      java.util.function.Consumer<String> log) throws IOException, InterruptedException {
    Process process = null;
    String message;
    if (ctx.rank() == 0) {
      try {
        ProcessBuilder pb = new ProcessBuilder(interpreter, "-c", PROGRAM, hosts.get(0), String.valueOf(world))
            .redirectErrorStream(true);
        process = pb.start();
        message = firstLine(process, interpreter, log);
      } catch (IOException e) {
        message = FAILED + "The Rabit tracker could not start with " + interpreter + ": " + e.getMessage();
      }
    } else {
      message = "";
    }
    String shared;
    try {
      shared = ctx.allGather(message).get(0);
    } catch (RuntimeException | Error e) {
      destroy(process);
      throw e;
    }
    if (shared.startsWith(FAILED)) {
      destroy(process);
      String reason = shared.substring(FAILED.length());
      if (reason.startsWith(NO_XGBOOST)) {
        throw KilnException.user("This distributed XGBoost script job needs a Rabit tracker, which Kiln runs with the "
            + "script's Python " + interpreter + " on worker " + hosts.get(0) + ", but it cannot import xgboost ("
            + Messages.oneLine(reason.substring(NO_XGBOOST.length())) + "); install xgboost for that Python on every "
            + "worker (Debian: apt-get install python3-xgboost), list it in " + Requirements.FILE
            + " in the source, or set algorithm.interpreter to a Python that has it");
      }
      throw new KilnException(io.kiln.spi.ErrorType.ALGORITHM, "The Rabit tracker for this XGBoost job did not "
          + "start on worker " + hosts.get(0) + ": " + Messages.oneLine(reason));
    }
    DmlcTracker tracker = new DmlcTracker(hosts.get(0), Integer.parseInt(shared.trim()), process);
    if (process != null) {
      log.accept("Rabit tracker (" + interpreter + "'s xgboost) for " + world + " processes at " + tracker.address());
    }
    return tracker;
  }

  /** The port line, or {@value #FAILED} and the reason; the program's later lines go to the log. */
  private static String firstLine(Process process, String interpreter, java.util.function.Consumer<String> log)
      throws InterruptedException {
    BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    java.util.concurrent.CompletableFuture<String> first = new java.util.concurrent.CompletableFuture<>();
    List<String> before = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        String line;
        while ((line = in.readLine()) != null) {
          if (!first.isDone()) {
            if (line.startsWith(NO_XGBOOST) || line.trim().matches("\\d{1,5}")) {
              first.complete(line);
            } else {
              before.add(line); // a warning before the port: kept for the failure message
            }
          } else {
            try {
              log.accept("[rabit-tracker] " + line);
            } catch (RuntimeException e) {
              // the driver may have ended the job already: the line is dropped
            }
          }
        }
      } catch (IOException e) {
        // the process ended
      }
      first.complete(FAILED + "it exited with code " + exitCode(process)
          + (before.isEmpty() ? "" : ", saying: " + before.get(before.size() - 1)));
    }, "rabit-tracker-output");
    reader.setDaemon(true);
    reader.start();
    try {
      String line = first.get(START_SECONDS, TimeUnit.SECONDS);
      return line.startsWith(NO_XGBOOST) ? FAILED + line : line;
    } catch (java.util.concurrent.ExecutionException e) {
      return FAILED + e.getMessage();
    } catch (java.util.concurrent.TimeoutException e) {
      return FAILED + interpreter + " printed no port within " + START_SECONDS + " s";
    }
  }

  private static String exitCode(Process p) {
    try {
      return p.waitFor(5, TimeUnit.SECONDS) ? String.valueOf(p.exitValue()) : "(still running)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(unknown)";
    }
  }

  /**
   * The DMLC variables for one process.
   *
   * @param rank the process's global rank ({@code RANK})
   * @param world every process of the job ({@code WORLD_SIZE})
   */
  Map<String, String> environment(int rank, int world) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DMLC_TRACKER_URI", host);
    env.put("DMLC_TRACKER_PORT", String.valueOf(port));
    env.put("DMLC_NUM_WORKER", String.valueOf(world));
    env.put("DMLC_TASK_ID", String.valueOf(rank));
    env.put("DMLC_ROLE", "worker");
    return env;
  }

  /** The tracker's {@code host:port}. */
  String address() {
    return host + ":" + port;
  }

  /**
   * After this worker's processes exited with code 0: on rank 0, waits up to {@value #LINGER_SECONDS}
   * s for the tracker to end on its own (every process shut down), asking the driver each second
   * whether to stop, then ends it (logging why). Elsewhere does nothing.
   */
  void awaitShutdown(WorkerContext ctx, java.util.function.Consumer<String> log) throws InterruptedException {
    if (process == null) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LINGER_SECONDS);
    while (!process.waitFor(1, TimeUnit.SECONDS)) {
      if (ctx.poll() == Directive.STOP) {
        return; // closed by the caller
      }
      if (System.nanoTime() > deadline) {
        log.accept("Not every process shut down its Rabit connection (xgboost.collective.finalize(), or leave "
            + "CommunicatorContext) within " + LINGER_SECONDS + " s of rank 0's script; ending the Rabit tracker");
        return;
      }
    }
  }

  /** Ends the tracker process (rank 0), if it still runs: SIGTERM, SIGKILL after 5 s. */
  @Override
  public void close() {
    destroy(process);
  }

  private static void destroy(Process p) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
