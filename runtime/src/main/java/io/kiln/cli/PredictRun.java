package io.kiln.cli;

import io.kiln.barrier.HadoopConf;
import io.kiln.predict.BatchPrediction;
import io.kiln.predict.BatchTransform;
import io.kiln.predict.ModelFiles;
import io.kiln.runner.FailureText;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code kiln predict} does once its plan is settled: a Spark job of one task per input object
 * ({@link BatchTransform}), or for whole-object input one task per group of objects
 * ({@link BatchTransform#objectGroups}), on the session spark-submit (or a notebook) made, or on a new one from
 * Kiln's settings, which it then stops. The model reaches each executor once (the driver's copy in
 * local mode).
 */
final class PredictRun {
  private PredictRun() {}

  /** @return 0 every object done, 1 failed, 2 bad input (the first bad object's first error) */
  static int run(KilnSettings settings, BatchPrediction.Plan plan, long chunkBytes, PrintWriter out,
      PrintWriter err) {
    boolean own = SparkSession.getDefaultSession().isEmpty() && SparkSession.getActiveSession().isEmpty();
    SparkSession spark = Sessions.start(settings);
    long started = System.nanoTime();
    ModelFiles.seed(plan.runId(), plan.modelDirectory());
    try {
      BatchTransform transform = new BatchTransform(plan.runId(), plan.modelUri(), plan.algorithm(),
          new HadoopConf(hadoopConf(spark, settings)), plan.format(), chunkBytes);
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      jsc.setJobDescription("kiln predict " + plan.uris().show(plan.outputPrefix()));
      List<BatchTransform.ObjectResult> results;
      try {
        BatchPrediction.ObjectInput objects = plan.objectInput();
        if (objects == null) {
          results = jsc.parallelize(plan.tasks(), Math.max(1, plan.tasks().size())).map(transform::run).collect();
        } else {
          int groups = BatchTransform.objectGroups(plan.tasks(), jsc.defaultParallelism());
          results = jsc.parallelize(plan.tasks(), groups).mapPartitions(group -> transform.runObjects(group, objects))
              .collect();
        }
      } catch (Exception e) { // collect() throws SparkException, a checked exception, undeclared
        String reason = KilnException.find(e).map(Throwable::getMessage).orElse(FailureText.clean(String.valueOf(e.getMessage())));
        err.println("kiln: predict failed: " + plan.uris().show(reason));
        return Kiln.EXIT_FAILED;
      }
      List<BatchTransform.ObjectResult> failed = results.stream().filter(BatchTransform.ObjectResult::failed).toList();
      long records = results.stream().mapToLong(BatchTransform.ObjectResult::records).sum();
      if (!failed.isEmpty()) {
        err.println("kiln: " + plan.uris().show(failed.get(0).userError()) + (failed.size() > 1 ? " (and "
            + (failed.size() - 1) + " more object(s) failed)" : ""));
        err.println("kiln: " + (results.size() - failed.size()) + " of " + results.size() + " object(s) were written"
            + " to " + plan.uris().show(plan.outputPrefix()) + "; none for the failed ones");
        return Kiln.EXIT_USAGE;
      }
      out.printf("predict: %d object(s), %d record(s) -> %s (%s, %s) in %.1f s%n", results.size(), records,
          plan.uris().show(plan.outputPrefix()), plan.format().mime(), plan.algorithm(),
          (System.nanoTime() - started) / 1e9);
      out.flush();
      return Kiln.EXIT_COMPLETED;
    } finally {
      ModelFiles.release(plan.runId());
      if (own) {
        spark.stop();
      }
    }
  }

  /** The session's Hadoop configuration with the command's own s3a (and other spark.hadoop.*) settings over it. */
  private static org.apache.hadoop.conf.Configuration hadoopConf(SparkSession spark, KilnSettings settings) {
    org.apache.hadoop.conf.Configuration c = new org.apache.hadoop.conf.Configuration(
        spark.sparkContext().hadoopConfiguration());
    settings.values().forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        c.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return c;
  }
}
