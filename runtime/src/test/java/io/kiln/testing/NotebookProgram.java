package io.kiln.testing;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.JobBuilder;
import io.kiln.spec.TrainingJobSpec;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;

/**
 * A notebook's cells as one Java program, run in its own JVM by a test: it builds its own local[2]
 * SparkSession with one job root, sets {@code spark.kiln.job-root} to another through the runtime
 * conf after the session exists, runs a small job with the counting algorithm through the library
 * API ({@link TrainingJobRunner#on}) with its model on S3 reached only through the {@code AWS_*}
 * environment variables (the program sets no s3a setting), prints the result, and returns from
 * {@code main} without {@code spark.stop()} or {@code System.exit}: the JVM must end by itself.
 *
 * <p>Arguments: the train channel's URI, the job root given when the session is built, the job root
 * set afterwards, the output path. Prints {@code RESULT <status> <model>}, the non-daemon threads
 * still alive at the end of {@code main} ({@code THREADS ...}, for a failing test's message) and
 * {@code END-OF-MAIN}.
 */
public final class NotebookProgram {
  private NotebookProgram() {}

  public static void main(String[] args) {
    String train = args[0];
    String builtWithRoot = args[1];
    String jobRoot = args[2];
    String output = args[3];
    SparkSession spark = SparkSession.builder().master("local[2]").appName("kiln-notebook")
        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1").config("spark.kiln.job-root", builtWithRoot)
        .getOrCreate();
    // a later cell
    spark.conf().set("spark.kiln.job-root", jobRoot);
    TrainingJobSpec spec = JobBuilder.named("notebook-1").algorithm("counting").hyperparameter("rounds", 3)
        .channel("train", train, "text/csv").outputPath(output).workers(2).build();
    JobResult result = TrainingJobRunner.on(spark).run(spec);
    System.out.println("RESULT " + result.status() + " " + result.modelArtifacts()
        + (result.failureReason() == null ? "" : " " + result.failureReason()));
    System.out.println("THREADS " + Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon() && t != Thread.currentThread())
        .map(Thread::getName).sorted().collect(Collectors.joining(", ")));
    System.out.println("END-OF-MAIN");
  }
}
