package io.kiln.cli;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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
      description = "Job spec (Kiln JSON/YAML or a SageMaker request): a file, a URI (s3://bucket/job.yaml, "
          + "hdfs://...), or the name of a file given to spark-submit --files")
  String specFile;

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

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    PrintWriter err = command.commandLine().getErr();
    if ((specFile == null) == (resume == null)) {
      throw new CommandLine.ParameterException(command.commandLine(), "Give a SPEC file, or --resume NAME");
    }
    KilnSettings settings = common.settings();
    TrainingJobSpec spec = null;
    if (specFile != null) {
      try {
        SpecSource.Text text = SpecSource.read(specFile, settings);
        spec = SpecReader.readTrainingJob(text.text(), text.source());
        if (name != null) {
          spec = spec.withName(name);
        }
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return Kiln.EXIT_USAGE;
      }
    }
    if (resume != null) {
      // no such job is said before any Spark starts
      io.kiln.record.JobStore store = new io.kiln.record.JobStore(settings.jobRoot(), settings.hadoopConf());
      if (store.load(resume).isEmpty()) {
        err.println("kiln: " + io.kiln.record.ResourceNotFoundException.of("training job", resume, store.shownRoot())
            .getMessage());
        return Kiln.EXIT_NO_SUCH_JOB;
      }
    }
    // Spark is touched only from TrainRun: loading this class (picocli makes every command at start)
    // loads none of Spark's classes, so the read-only commands start fast
    return TrainRun.run(settings, spec, resume, quiet, out, err);
  }
}
