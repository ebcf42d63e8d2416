package io.kiln.bench;

import io.kiln.runner.Algorithms;
import io.kiln.runner.JobResult;
import io.kiln.record.JobStore;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.NativeAllReduce;
import ml.dmlc.xgboost4j.java.RabitTracker;
import org.apache.spark.sql.SparkSession;

/**
 * scripts/bench-allreduce: the all-reduce (SUM) of one float array across the workers of a Kiln job
 * on local Spark, timed in the same barrier tasks for Kiln's {@link WorkerContext#allReduce} and
 * for XGBoost's own collective ({@link Communicator#allReduce}, with XGBoost's tracker on the driver
 * as Kiln's XGBoost algorithm starts it), and for XGBoost's native collective alone on a ready
 * direct buffer ({@link NativeAllReduce}). Before each timed call the workers collect garbage,
 * meet at Spark's barrier and then run a one-float all-reduce of the side about to be timed (the
 * barrier alone releases tasks up to a second apart); a repetition's time is the slowest worker's.
 * The first repetitions warm up (Kiln's first call also forms its ring) and are not counted. Besides
 * wall time it reports the JVM's CPU time during a call (both workers' threads in local mode), which
 * a loaded machine disturbs less.
 *
 * <p>Arguments: work directory, floats, workers, repetitions, warm-up repetitions.
 */
public final class AllReduceBenchmark {
  /** Each worker's times (seconds, by repetition) and whether Kiln's result equalled XGBoost's. */
  record Times(double[] kiln, double[] xgboost, double[] xgboostNative, double[] kilnCpu, double[] xgboostCpu,
      double[] nativeCpu, boolean identical) implements Serializable {}

  private static volatile List<Times> last;

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    int floats = Integer.parseInt(args[1]);
    int workers = Integer.parseInt(args[2]);
    int reps = Integer.parseInt(args[3]);
    int warmup = Integer.parseInt(args[4]);
    Files.createDirectories(work.resolve("train"));
    Files.writeString(work.resolve("train/part-0.csv"), "1,2\n0,3\n");
    SparkSession spark = SparkSession.builder().master("local[" + workers + "]").appName("bench-allreduce")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.kiln.job-root", work.resolve("jobs").toUri().toString())
        .getOrCreate();
    TrainingJobRunner runner = new TrainingJobRunner(spark,
        new JobStore(work.resolve("jobs").toUri().toString(), spark.sparkContext().hadoopConfiguration()),
        new Algorithms(List.of(new Bench())));
    JobResult result = runner.run(JobBuilder.named("allreduce-" + System.currentTimeMillis()).algorithm("allreduce-bench")
        .hyperparameters(Map.of("floats", floats, "reps", reps, "warmup", warmup))
        .channel("train", work.resolve("train").toUri() + "/", "text/csv")
        .outputPath(work.resolve("out").toUri().toString()).workers(workers).build());
    spark.stop();
    if (result.exitCode() != 0) {
      throw new IllegalStateException("the benchmark job failed: " + result.failureReason());
    }

    double[] kiln = slowest(last, Times::kiln);
    double[] xgb = slowest(last, Times::xgboost);
    double[] nat = slowest(last, Times::xgboostNative);
    double k = median(kiln);
    double x = median(xgb);
    double n = median(nat);
    double mb = floats * 4.0 / 1e6;
    System.out.printf(Locale.ROOT, "== all-reduce (SUM) of %,d floats (%.0f MB) across %d workers on local[%d], "
        + "%d repetitions after %d warm-up; the slowest worker's time%n", floats, mb, workers, workers, reps, warmup);
    System.out.printf(Locale.ROOT, "Kiln WorkerContext.allReduce          %s ms, median %.1f ms (%.0f MB/s of array)%n",
        ms(kiln), k * 1e3, mb / k);
    System.out.printf(Locale.ROOT, "XGBoost Communicator.allReduce        %s ms, median %.1f ms (%.0f MB/s of array)%n",
        ms(xgb), x * 1e3, mb / x);
    System.out.printf(Locale.ROOT, "  of which XGBoost's native collective %s ms, median %.1f ms (%.0f MB/s of array)%n",
        ms(nat), n * 1e3, mb / n);
    System.out.printf(Locale.ROOT, "Kiln / XGBoost Communicator.allReduce  %.2fx   Kiln / native collective %.2fx%n",
        k / x, k / n);
    double kc = median(slowest(last, Times::kilnCpu));
    double xc = median(slowest(last, Times::xgboostCpu));
    double nc = median(slowest(last, Times::nativeCpu));
    System.out.printf(Locale.ROOT, "CPU time of the JVM during a call (both workers, median): Kiln %.1f ms, "
        + "Communicator.allReduce %.1f ms, native collective %.1f ms%n", kc * 1e3, xc * 1e3, nc * 1e3);
    System.out.printf(Locale.ROOT, "results identical to XGBoost's on every worker: %s%n",
        last.stream().allMatch(Times::identical));
    System.out.printf(Locale.ROOT, "RESULT kiln_ms=%.1f xgboost_ms=%.1f native_ms=%.1f kiln_cpu_ms=%.1f "
        + "xgboost_cpu_ms=%.1f native_cpu_ms=%.1f%n", k * 1e3, x * 1e3, n * 1e3, kc * 1e3, xc * 1e3, nc * 1e3);
    System.out.flush();
    System.exit(0);
  }

  static double[] slowest(List<Times> all, java.util.function.Function<Times, double[]> pick) {
    double[] out = pick.apply(all.get(0)).clone();
    for (Times t : all) {
      double[] v = pick.apply(t);
      for (int i = 0; i < out.length; i++) {
        out[i] = Math.max(out[i], v[i]);
      }
    }
    return out;
  }

  static double median(double[] v) {
    List<Double> l = new ArrayList<>();
    for (double d : v) {
      l.add(d);
    }
    return SpotBenchmark.median(l);
  }

  static String ms(double[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.1f", v[i] * 1e3));
    }
    return b.append("]").toString();
  }

  /** The benchmark as a Kiln algorithm: the driver starts XGBoost's tracker, the workers time. */
  static final class Bench implements Algorithm<Map<String, Integer>> {
    @Override
    public String name() {
      return "allreduce-bench";
    }

    @Override
    public java.util.Set<String> imageRepositories() {
      return java.util.Set.of("kiln-allreduce-bench");
    }

    @Override
    public List<ChannelRequirement> channels() {
      return List.of(new ChannelRequirement("train", true, List.of(ContentType.CSV), ContentType.CSV));
    }

    @Override
    public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, java.util.Set<String> channels) {
      return List.of();
    }

    @Override
    public Map<String, Integer> hyperparameters(Map<String, String> raw) {
      Map<String, Integer> out = new HashMap<>();
      raw.forEach((k, v) -> out.put(k, Integer.parseInt(v)));
      return out;
    }

    @Override
    public TrainingOutcome train(TrainingContext context, Map<String, Integer> p) {
      RabitTracker tracker = null;
      try {
        tracker = new RabitTracker(context.workers(), "127.0.0.1", 0, 0);
        if (!tracker.start()) {
          throw KilnException.internal("Cannot start XGBoost's tracker", null);
        }
        last = context.runOnWorkers(new Worker(new LinkedHashMap<>(tracker.getWorkerArgs()), p.get("floats"),
            p.get("reps"), p.get("warmup")));
        Files.writeString(context.modelDirectory().resolve("done.txt"), "ok\n");
        return new TrainingOutcome(1, Map.of(), false);
      } catch (Exception e) {
        throw KilnException.internal("benchmark failed: " + e, e);
      } finally {
        if (tracker != null) {
          try {
            tracker.stop();
          } catch (Exception ignored) {
            // ends with the job
          }
        }
      }
    }
  }

  /**
   * Collects garbage before a timed call, so that no collection (of the peer's arrays or ours) lands
   * inside one; in local mode both workers share the JVM, and each asks before every timed call.
   */
  /** CPU time of the whole JVM: in local mode both workers' threads, XGBoost's native ones included. */
  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static void collectGarbage() {
    System.gc();
  }

  private record Worker(LinkedHashMap<String, Object> communicator, int floats, int reps, int warmup)
      implements WorkerFunction<Times> {
    @Override
    public Times run(WorkerContext ctx) throws Exception {
      float[] input = new float[floats];
      Random random = new Random(ctx.rank());
      for (int i = 0; i < floats; i++) {
        input[i] = random.nextFloat();
      }
      ByteBuffer direct = ByteBuffer.allocateDirect(floats * 4).order(ByteOrder.nativeOrder());
      Map<String, Object> env = new LinkedHashMap<>(communicator);
      env.put("DMLC_TASK_ID", Integer.toString(ctx.rank()));
      Communicator.init(env);
      double[] kiln = new double[reps];
      double[] xgb = new double[reps];
      double[] nat = new double[reps];
      double[][] cpu = new double[3][reps];
      boolean identical = true;
      float[] values = new float[floats];
      try {
        for (int rep = -warmup; rep < reps; rep++) {
          System.arraycopy(input, 0, values, 0, floats);
          collectGarbage();
          ctx.allGather("kiln " + rep);
          ctx.allReduce(new float[1], ReduceOp.SUM);
          long c0 = cpuNanos();
          long t0 = System.nanoTime();
          ctx.allReduce(values, ReduceOp.SUM);
          double kilnSeconds = (System.nanoTime() - t0) / 1e9;
          double kilnCpu = (cpuNanos() - c0) / 1e9;

          collectGarbage();
          ctx.allGather("xgboost " + rep);
          Communicator.allReduce(new float[1], Communicator.OpType.SUM);
          c0 = cpuNanos();
          t0 = System.nanoTime();
          float[] theirs = Communicator.allReduce(input, Communicator.OpType.SUM);
          double xgbSeconds = (System.nanoTime() - t0) / 1e9;
          double xgbCpu = (cpuNanos() - c0) / 1e9;
          identical &= Arrays.equals(values, theirs);

          direct.clear();
          direct.asFloatBuffer().put(input);
          collectGarbage();
          ctx.allGather("native " + rep);
          Communicator.allReduce(new float[1], Communicator.OpType.SUM);
          c0 = cpuNanos();
          t0 = System.nanoTime();
          NativeAllReduce.sum(direct, floats);
          double nativeSeconds = (System.nanoTime() - t0) / 1e9;
          double nativeCpu = (cpuNanos() - c0) / 1e9;
          if (rep >= 0) {
            kiln[rep] = kilnSeconds;
            xgb[rep] = xgbSeconds;
            nat[rep] = nativeSeconds;
            cpu[0][rep] = kilnCpu;
            cpu[1][rep] = xgbCpu;
            cpu[2][rep] = nativeCpu;
          }
        }
      } finally {
        Communicator.shutdown();
      }
      return new Times(kiln, xgb, nat, cpu[0], cpu[1], cpu[2], identical);
    }
  }
}
