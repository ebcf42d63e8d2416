package io.kiln.tuning.cli;

import io.kiln.cli.CommonOptions;
import io.kiln.cli.Kiln;
import io.kiln.cli.KilnSettings;
import io.kiln.cli.Sessions;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spi.KilnException;
import io.kiln.tuning.driver.TuningJobRunner;
import io.kiln.tuning.driver.TuningListener;
import io.kiln.tuning.driver.TuningResult;
import io.kiln.tuning.spec.TuningJobSpec;
import io.kiln.tuning.spec.TuningSpecReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln tune SPEC} or {@code kiln tune --resume NAME}: runs a tuning job and blocks until it ends. */
@Command(name = "tune", mixinStandardHelpOptions = true,
    description = "Run a tuning job (a Kiln tuning spec or a SageMaker CreateHyperParameterTuningJob request).")
final class TuneCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "Tuning spec: Kiln JSON/YAML or a SageMaker request")
  Path specFile;

  @CommandLine.Option(names = "--resume", paramLabel = "NAME",
      description = "Take over a tuning job whose driver died (after its heartbeat lapsed)")
  String resume;

  @CommandLine.Option(names = "--quiet", description = "Only the final line")
  boolean quiet;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    if ((specFile == null) == (resume == null)) {
      throw new CommandLine.ParameterException(command.commandLine(), "Give a SPEC file, or --resume NAME");
    }
    TuningJobSpec spec = null;
    if (specFile != null) {
      try {
        spec = TuningSpecReader.readTuningJob(specFile);
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return Kiln.EXIT_USAGE;
      }
    }
    KilnSettings settings = common.settings();
    if (resume != null && io.kiln.tuning.driver.TuningStore.at(settings.jobRoot(), settings.hadoopConf()).load(resume)
        .isEmpty()) {
      // no such job is said before any Spark starts
      err.println("kiln: " + io.kiln.record.ResourceNotFoundException.of("tuning job", resume,
          settings.jobRoot()).getMessage());
      return Kiln.EXIT_NO_SUCH_JOB;
    }
    SparkSession spark = Sessions.start(settings);
    String name = spec != null ? spec.name() : resume;
    TuningListener listener = quiet ? TuningListener.NONE : new TuningListener() {
      @Override
      public void onTrialStarted(int number, String trial, Map<String, String> hyperparameters) {
        out.println(name + " trial " + number + " " + trial + " started: " + hyperparameters);
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
        return e instanceof io.kiln.record.ResourceNotFoundException ? Kiln.EXIT_NO_SUCH_JOB : Kiln.EXIT_USAGE;
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
