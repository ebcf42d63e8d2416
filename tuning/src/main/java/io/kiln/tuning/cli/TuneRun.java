package io.kiln.tuning.cli;

import io.kiln.cli.Kiln;
import io.kiln.cli.KilnSettings;
import io.kiln.cli.Sessions;
import io.kiln.record.ResourceNotFoundException;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spi.KilnException;
import io.kiln.tuning.driver.TuningJobRunner;
import io.kiln.tuning.driver.TuningListener;
import io.kiln.tuning.driver.TuningResult;
import io.kiln.tuning.spec.TuningJobSpec;
import java.io.PrintWriter;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code kiln tune} does once its arguments are read: starts the SparkSession, runs (or
 * resumes) the tuning job with a line per trial, stops the session, and returns the exit code. Kept
 * apart from {@link TuneCommand} so that the commands that start no Spark never load its classes.
 */
final class TuneRun {
  private TuneRun() {}

  /**
   * @param spec the tuning job to run, or null with {@code resume}
   * @param resume the tuning job to take over, or null with {@code spec}
   * @return 0 Completed, 1 Failed, 2 bad spec, 3 Stopped, 4 no such job to resume
   */
  static int run(KilnSettings settings, TuningJobSpec spec, String resume, boolean quiet, PrintWriter out,
      PrintWriter err) {
    SparkSession spark = Sessions.start(settings);
    String name = spec != null ? spec.name() : resume;
    TuningListener listener = quiet ? TuningListener.NONE : new TuningListener() {
      @Override
      public void onTrialStarted(int number, String trial, Map<String, String> hyperparameters) {
        out.println(name + " trial " + number + " " + trial + " started: "
            + io.kiln.spi.Messages.oneLine(String.valueOf(hyperparameters)));
        out.flush();
      }

      @Override
      public void onTrialEnded(int number, String trial, TrainingJobStatus status, Double objective) {
        out.println(name + " trial " + number + " " + trial + " " + status
            + (objective != null ? " objective=" + objective : ""));
        out.flush();
      }
    };
    try {
      TuningJobRunner runner = TuningJobRunner.on(spark);
      TuningResult r;
      try {
        r = spec != null ? runner.run(spec, listener) : runner.resume(resume, listener);
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return e instanceof ResourceNotFoundException ? Kiln.EXIT_NO_SUCH_JOB : Kiln.EXIT_USAGE;
      }
      String best = r.bestTrainingJob() == null ? "no best trial"
          : "best trial " + r.bestTrainingJob() + " (objective " + r.bestObjective() + ")";
      switch (r.status()) {
        case Completed -> out.println(r.name() + " Completed; " + best);
        case Stopped -> out.println(r.name() + " Stopped: " + r.failureReason() + "; " + best);
        default -> err.println(r.name() + " Failed: " + r.failureReason());
      }
      out.flush();
      return r.exitCode();
    } finally {
      spark.stop();
    }
  }
}
