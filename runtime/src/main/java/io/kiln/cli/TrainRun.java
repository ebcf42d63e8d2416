package io.kiln.cli;

import io.kiln.record.ResourceNotFoundException;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code kiln train} does once its arguments are read: starts the SparkSession, runs (or
 * resumes) the job with a progress line, stops the session, and returns the exit code. Kept apart
 * from {@link TrainCommand} so that the commands that start no Spark never load its classes.
 */
final class TrainRun {
  private final KilnSettings settings;
  private SparkSession spark;

  private TrainRun(KilnSettings settings) {
    this.settings = settings;
  }

  /**
   * @param spec the job to run, or null with {@code resume}
   * @param resume the job to take over, or null with {@code spec}
   * @return 0 Completed, 1 Failed, 2 bad spec, 3 Stopped, 4 no such job to resume
   */
  static int run(KilnSettings settings, TrainingJobSpec spec, String resume, boolean quiet, PrintWriter out,
      PrintWriter err) {
    return new TrainRun(settings).run(spec, resume, quiet, out, err);
  }

  private int run(TrainingJobSpec spec, String resume, boolean quiet, PrintWriter out, PrintWriter err) {
    spark = Sessions.start(settings);
    String jobName = spec != null ? spec.name() : resume;
    try (ProgressLine progress = new ProgressLine(jobName, quiet ? new PrintWriter(PrintWriter.nullWriter())
        : out, System.console() != null)) {
      TrainingJobRunner runner = TrainingJobRunner.on(spark, master -> Optional.of(moveTo(master)));
      JobResult result;
      try {
        result = spec != null ? runner.run(spec, progress) : runner.resume(resume, progress);
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        // only a user's mistake is bad usage; storage or Kiln failing is a failure (exit 1)
        return e instanceof ResourceNotFoundException ? Kiln.EXIT_NO_SUCH_JOB
            : e.type() == io.kiln.spi.ErrorType.USER ? Kiln.EXIT_USAGE : Kiln.EXIT_FAILED;
      }
      progress.close();
      switch (result.status()) {
        case Completed -> out.println(result.name() + " Completed; model: " + result.modelArtifacts());
        case Stopped -> out.println(result.name() + " Stopped (" + result.secondaryStatus() + "): "
            + result.failureReason() + (result.modelArtifacts() != null ? "; model: " + result.modelArtifacts() : ""));
        default -> err.println(result.name() + " Failed: " + result.failureReason());
      }
      out.flush();
      return result.exitCode();
    } finally {
      spark.stop();
    }
  }

  /** The fallback master: this command owns its session, so it can start another one there. */
  private SparkSession moveTo(String master) {
    spark.stop();
    spark = Sessions.start(settings.withMaster(master));
    return spark;
  }
}
