package io.kiln.barrier;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.ExecutorLostFailure;
import org.apache.spark.TaskEndReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Watches one job group's tasks and keeps why the first of them failed. A failed barrier stage is
 * aborted without the task's exception as the cause, so this is where a worker's own error (a bad
 * CSV line, a bad hyperparameter) or the loss of its executor is found.
 */
final class FailureListener extends SparkListener {
  private final String jobGroup;
  private final Set<Integer> stages = new HashSet<>();
  private Throwable firstError;
  private String firstErrorText;
  private String executorLost;
  private final Set<String> executors = ConcurrentHashMap.newKeySet();

  FailureListener(String jobGroup) {
    this.jobGroup = jobGroup;
  }

  @Override
  public synchronized void onJobStart(SparkListenerJobStart start) {
    if (start.properties() != null && jobGroup.equals(start.properties().getProperty("spark.jobGroup.id"))) {
      for (Object id : scala.collection.JavaConverters.seqAsJavaList(start.stageIds())) {
        stages.add((Integer) id);
      }
    }
  }

  @Override
  public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart start) {
    boolean ours;
    synchronized (this) {
      ours = stages.contains(start.stageId());
    }
    if (ours) {
      executors.add(start.taskInfo().executorId());
    }
  }

  /** Executors that run (or ran) this job group's tasks. */
  Set<String> executors() {
    return Set.copyOf(executors);
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    if (!stages.contains(end.stageId())) {
      return;
    }
    TaskEndReason reason = end.reason();
    if (reason instanceof ExceptionFailure f && firstError == null && firstErrorText == null) {
      if (f.exception().isDefined()) {
        firstError = f.exception().get();
      } else {
        firstErrorText = f.description();
      }
    } else if (reason instanceof ExecutorLostFailure lost && executorLost == null) {
      executorLost = lost.toErrorString();
    }
  }

  /**
   * An executor that ran this group's tasks left the application. When it was SIGKILLed, another
   * rank's task may fail first (its peer's connection reset) and abort the stage before any task
   * ends with ExecutorLostFailure; this is how such a failure is still seen as lost capacity.
   */
  @Override
  public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved removed) {
    if (executors.contains(removed.executorId())) {
      synchronized (this) {
        if (executorLost == null) {
          executorLost = "Executor " + removed.executorId() + " was removed: " + removed.reason();
        }
      }
    }
  }

  /** Whether this group ran tasks on executors other than the driver's own (not local mode). */
  boolean ranOnRemoteExecutors() {
    return executors.stream().anyMatch(id -> !"driver".equals(id));
  }

  synchronized Throwable firstError() {
    return firstError;
  }

  synchronized String firstErrorText() {
    return firstErrorText;
  }

  synchronized String executorLost() {
    return executorLost;
  }
}
