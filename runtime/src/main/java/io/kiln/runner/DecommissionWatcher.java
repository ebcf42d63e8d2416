package io.kiln.runner;

import io.kiln.barrier.BarrierRunner;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;

/**
 * Watches the executors running a job's tasks for decommissioning (a spot reclaim notice turned
 * into a Spark decommission, e.g. SIGPWR to a standalone worker): when one is being
 * decommissioned, the job is asked for an emergency checkpoint at the next round boundary. Polls
 * {@code TaskScheduler.getExecutorDecommissionState} every 0.5 s.
 */
final class DecommissionWatcher implements AutoCloseable {
  private final ScheduledExecutorService poller;
  private final Set<String> seen = new HashSet<>();
  private boolean warned;

  DecommissionWatcher(SparkContext sc, BarrierRunner barrier, RunningJob job) {
    poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "kiln-decommission-watch");
      t.setDaemon(true);
      return t;
    });
    poller.scheduleWithFixedDelay(() -> {
      // a stopped SparkContext (the job's session ended under it) has no scheduler left to ask
      org.apache.spark.scheduler.TaskScheduler scheduler = sc.isStopped() ? null : sc.taskScheduler();
      if (scheduler == null) {
        poller.shutdown();
        return;
      }
      try {
        for (String executor : barrier.executorsInUse()) {
          if (!seen.contains(executor) && scheduler.getExecutorDecommissionState(executor).isDefined()) {
            seen.add(executor);
            job.log("Executor " + executor + " is being decommissioned: checkpointing at the next round");
            job.requestCheckpoint();
          }
        }
      } catch (RuntimeException e) {
        // once, not every half second
        if (!warned) {
          warned = true;
          job.log("WARN decommission watch: " + io.kiln.spi.Messages.oneLine(String.valueOf(e)));
        }
      }
    }, 500, 500, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
