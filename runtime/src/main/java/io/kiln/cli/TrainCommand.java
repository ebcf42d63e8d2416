package io.kiln.cli;

import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln train SPEC} or {@code kiln train --resume NAME}: runs a training job and blocks until it ends. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Run a training job (a Kiln spec or a SageMaker CreateTrainingJob request) and wait for it.")
final class TrainCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC",
      description = "Job spec file: Kiln JSON/YAML or a SageMaker request")
  Path specFile;

  @CommandLine.Option(names = "--resume", paramLabel = "NAME",
      description = "Take over a job whose driver died (after its heartbeat lapsed) and continue it from its "
          + "newest checkpoint")
  String resume;

  @CommandLine.Option(names = "--quiet", description = "No progress output; only the final line")
  boolean quiet;

  @CommandLine.Option(names = "--name", paramLabel = "NAME", description = "Run under this job name instead of the spec's")
  String name;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  private SparkSession spark;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    if ((specFile == null) == (resume == null)) {
      throw new CommandLine.ParameterException(command.commandLine(), "Give a SPEC file, or --resume NAME");
    }
    TrainingJobSpec spec = null;
    if (specFile != null) {
      try {
        spec = SpecReader.readTrainingJob(specFile);
        if (name != null) {
          spec = spec.withName(name);
        }
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return Kiln.EXIT_USAGE;
      }
    }
    KilnSettings settings = common.settings();
    if (resume != null) {
      // no such job is said before any Spark starts
      io.kiln.record.JobStore store = new io.kiln.record.JobStore(settings.jobRoot(), settings.hadoopConf());
      if (store.load(resume).isEmpty()) {
        err.println("kiln: " + io.kiln.record.ResourceNotFoundException.of("training job", resume, store.root())
            .getMessage());
        return Kiln.EXIT_NO_SUCH_JOB;
      }
    }
    spark = Sessions.start(settings);
    String jobName = spec != null ? spec.name() : resume;
    try (ProgressLine progress = new ProgressLine(jobName, quiet ? new PrintWriter(PrintWriter.nullWriter())
        : out, System.console() != null)) {
      TrainingJobRunner runner = TrainingJobRunner.on(spark, master -> Optional.of(moveTo(settings, master)));
      JobResult result;
      try {
        result = spec != null ? runner.run(spec, progress) : runner.resume(resume, progress);
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return e instanceof io.kiln.record.ResourceNotFoundException ? Kiln.EXIT_NO_SUCH_JOB : Kiln.EXIT_USAGE;
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
  private SparkSession moveTo(KilnSettings settings, String master) {
    spark.stop();
    spark = Sessions.start(settings.withMaster(master));
    return spark;
  }
}
