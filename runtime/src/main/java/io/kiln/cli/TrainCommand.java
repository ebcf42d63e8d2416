package io.kiln.cli;

import io.kiln.job.JobResult;
import io.kiln.job.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln train SPEC}: runs a training job and blocks until it ends. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Run a training job (a Kiln spec or a SageMaker CreateTrainingJob request) and wait for it.")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "SPEC", description = "Job spec file: Kiln JSON/YAML or a SageMaker request")
  Path specFile;

  @CommandLine.Option(names = "--quiet", description = "No progress output; only the final line")
  boolean quiet;

  @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "Run under this job name instead of the spec's")
  String name;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    TrainingJobSpec spec;
    try {
      spec = SpecReader.readTrainingJob(specFile);
      if (name != null) {
        spec = spec.withName(name);
      }
    } catch (KilnException e) {
      err.println("kiln: " + e.getMessage());
      return Kiln.EXIT_USAGE;
    }
    KilnSettings settings = common.settings();
    SparkSession spark = Sessions.start(settings);
    try (ProgressLine progress = new ProgressLine(spec.name(), quiet ? new PrintWriter(PrintWriter.nullWriter())
        : out, System.console() != null)) {
      JobResult result;
      try {
        result = TrainingJobRunner.on(spark).run(spec, progress);
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return Kiln.EXIT_USAGE;
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
}
