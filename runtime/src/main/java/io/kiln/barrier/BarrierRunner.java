package io.kiln.barrier;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Runs a {@link WorkerFunction} on every worker of a job at once, as one Spark barrier stage with a
 * task per worker. Spark starts the tasks together or not at all, and a failed task fails them all.
 */
public final class BarrierRunner {
  private static final long EXECUTOR_LOSS_GRACE_NANOS = 3_000_000_000L;
  private final SparkContext sc;
  private volatile FailureListener current;
  private final Set<String> staged = ConcurrentHashMap.newKeySet();

  public BarrierRunner(SparkContext sc) {
    this.sc = sc;
  }

  /** Executors running the current run's tasks (empty between runs). */
  public Set<String> executorsInUse() {
    FailureListener l = current;
    return l == null ? Set.of() : l.executors();
  }

  /**
   * Runs {@code function} with one plan per worker; returns each worker's result by rank. Failures
   * come back as {@link KilnException}s: CAPACITY when executors were lost; else, for the first
   * worker that threw, the first line of its failure file when it wrote one (see
   * {@link WorkerOutputs#failure}), the worker's own KilnException, or ALGORITHM. Rank 0's
   * archives are recorded in {@link #stagedArchives()}.
   */
  public <T extends Serializable> List<T> run(String jobGroup, String description, List<WorkerPlan> plans,
      WorkerFunction<T> function) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    String previousGroup = sc.getLocalProperty("spark.jobGroup.id");
    sc.setJobGroup(jobGroup, description, true);
    FailureListener failures = new FailureListener(jobGroup);
    sc.addSparkListener(failures);
    current = failures;
    try {
      RDD<WorkerPlan> input = jsc.parallelize(plans, plans.size()).rdd();
      ClassTag<WorkerResult> tag = ClassTag$.MODULE$.apply(WorkerResult.class);
      RDD<WorkerResult> output = input.barrier().mapPartitions(new RunWorker<>(function), false, tag);
      WorkerResult[] results = (WorkerResult[]) output.collect();
      List<WorkerResult> sorted = new ArrayList<>(Arrays.asList(results));
      sorted.sort(Comparator.comparingInt(WorkerResult::rank));
      List<T> out = new ArrayList<>();
      for (WorkerResult r : sorted) {
        staged.addAll(r.archives());
        @SuppressWarnings("unchecked")
        T value = (T) r.value();
        out.add(value);
      }
      return out;
    } catch (KilnException e) {
      throw e;
    } catch (Exception e) {
      // SparkException is checked, though Scala's collect() does not declare it
      try {
        sc.listenerBus().waitUntilEmpty(10_000);
        awaitExecutorLossNews(failures);
      } catch (java.util.concurrent.TimeoutException timeout) {
        // classify with what the listener has seen so far
      }
      throw classify(e, failures);
    } finally {
      current = null;
      sc.removeSparkListener(failures);
      if (previousGroup == null) {
        sc.clearJobGroup();
      } else {
        sc.setLocalProperty("spark.jobGroup.id", previousGroup);
      }
    }
  }

  /**
   * A failure that is not Kiln's own error, on remote executors, may be the first sign of an
   * executor that was killed: a peer's connection reset can abort the stage before the driver hears
   * that the executor is gone. Wait briefly for that news so the failure counts as lost capacity.
   */
  private void awaitExecutorLossNews(FailureListener failures) throws java.util.concurrent.TimeoutException {
    if (failures.executorLost() != null || !failures.ranOnRemoteExecutors()
        || !mayBeExecutorLoss(failures.firstError())) {
      return;
    }
    long deadline = System.nanoTime() + EXECUTOR_LOSS_GRACE_NANOS;
    while (failures.executorLost() == null && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        return;
      }
      sc.listenerBus().waitUntilEmpty(10_000);
    }
  }

  /**
   * Whether a task's first error may be the first sign of a lost executor: anything that is not
   * Kiln's own error, and Kiln's INTERNAL errors (a peer that closed its connection or stopped
   * answering in a collective is what a SIGKILLed executor looks like to the survivors); a USER or
   * ALGORITHM error is the worker's own verdict.
   */
  static boolean mayBeExecutorLoss(Throwable firstError) {
    if (firstError == null) {
      return true;
    }
    return KilnException.find(firstError).map(k -> k.type() == ErrorType.INTERNAL).orElse(true);
  }

  static KilnException classify(Exception e, FailureListener failures) {
    if (failures.executorLost() != null) {
      return new KilnException(ErrorType.CAPACITY, "Lost an executor while training: " + failures.executorLost(), e);
    }
    if (failures.firstError() != null) {
      var own = KilnException.find(failures.firstError());
      if (own.isPresent()) {
        return new KilnException(own.get().type(), own.get().getMessage(), failures.firstError());
      }
      return new KilnException(ErrorType.ALGORITHM, "Training failed: " + failures.firstError(), failures.firstError());
    }
    if (failures.firstErrorText() != null) {
      return new KilnException(ErrorType.ALGORITHM, "Training failed: " + firstLine(failures.firstErrorText()), e);
    }
    var own = KilnException.find(e);
    if (own.isPresent()) {
      KilnException k = own.get();
      return new KilnException(k.type(), k.getMessage(), e);
    }
    String message = String.valueOf(e.getMessage());
    if (message.contains("ExecutorLostFailure") || message.contains("Executor lost")
        || message.contains("executor lost") || message.contains("decommission")) {
      return new KilnException(ErrorType.CAPACITY, "Lost an executor while training: " + firstLine(message), e);
    }
    if (message.contains("cancelled")) {
      return new KilnException(ErrorType.INTERNAL, "Training was cancelled: " + firstLine(message), e);
    }
    return new KilnException(ErrorType.ALGORITHM, "Training failed: " + firstLine(message), e);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /**
   * Archives rank 0 uploaded to its plan's {@link WorkerPlan#outputStagingUri()} in this runner's
   * successful runs ({@code model.tar.gz}, {@code output.tar.gz}); a later run overwrites an archive
   * of the same name. Empty when no run reported one. Failed runs report nothing.
   */
  public Set<String> stagedArchives() {
    return Set.copyOf(staged);
  }

  /**
   * One worker's result.
   *
   * @param rank the worker's rank
   * @param value what the worker function returned
   * @param archives the archives the worker uploaded to the staging directory (rank 0 only; complete
   *     when reported)
   */
  public record WorkerResult(int rank, Serializable value, List<String> archives) implements Serializable {}

  /** The task body: one plan in, one result out. */
  private static final class RunWorker<T extends Serializable>
      extends AbstractFunction1<Iterator<WorkerPlan>, Iterator<WorkerResult>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final WorkerFunction<T> function;

    RunWorker(WorkerFunction<T> function) {
      this.function = function;
    }

    @Override
    public Iterator<WorkerResult> apply(Iterator<WorkerPlan> plans) {
      WorkerPlan plan = plans.next();
      BarrierTaskContext task = BarrierTaskContext.get();
      T value;
      List<String> archives = List.of();
      try (WorkerOutputs outputs = new WorkerOutputs(plan.jobName(), plan.rank())) {
        BarrierWorkerContext context = new BarrierWorkerContext(plan, task, outputs);
        try {
          value = function.run(context);
        } catch (Exception e) {
          throw outputs.failure(plan.rank(), e);
        } finally {
          context.close();
        }
        outputs.failureText().ifPresent(text -> plan.control().log(plan.rank(), "WARN the worker returned normally "
            + "but wrote a failure file; the job does not fail on it (only a worker that throws does): " + text));
        if (plan.rank() == 0 && plan.outputStagingUri() != null) {
          archives = outputs.stage(plan.outputStagingUri(), plan.hadoopConf().get(),
              line -> plan.control().log(plan.rank(), line));
        }
      } finally {
        plan.control().close();
      }
      List<WorkerResult> out = List.of(new WorkerResult(plan.rank(), value, archives));
      return JavaConverters.asScalaIteratorConverter(out.iterator()).asScala();
    }
  }
}
