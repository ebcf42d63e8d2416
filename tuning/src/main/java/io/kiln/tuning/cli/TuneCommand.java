package io.kiln.tuning.cli;

import io.kiln.cli.CommonOptions;
import io.kiln.cli.Kiln;
import io.kiln.cli.KilnSettings;
import io.kiln.spi.KilnException;
import io.kiln.tuning.spec.TuningJobSpec;
import io.kiln.tuning.spec.TuningSpecReader;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
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

  @Parameters(index = "0", arity = "0..1", paramLabel = "SPEC", description = "Tuning spec (Kiln JSON/YAML or a "
      + "SageMaker request): a file, a URI (s3://bucket/tune.yaml, hdfs://...), or the name of a file given to "
      + "spark-submit --files")
  String specFile;

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
    KilnSettings settings = common.settings();
    TuningJobSpec spec = null;
    if (specFile != null) {
      try {
        io.kiln.cli.SpecSource.Text text = io.kiln.cli.SpecSource.read(specFile, settings);
        spec = TuningSpecReader.readTuningJob(text.text(), text.source());
      } catch (KilnException e) {
        err.println("kiln: " + e.getMessage());
        return Kiln.EXIT_USAGE;
      }
    }
    io.kiln.record.RecordStore<io.kiln.tuning.driver.TuningRecord> records = resume == null ? null
        : io.kiln.tuning.driver.TuningStore.at(settings.jobRoot(), settings.hadoopConf());
    if (records != null && records.load(resume).isEmpty()) {
      // no such job is said before any Spark starts
      err.println("kiln: " + io.kiln.record.ResourceNotFoundException.of("tuning job", resume,
          records.shownRoot()).getMessage());
      return Kiln.EXIT_NO_SUCH_JOB;
    }
    // Spark is touched only from TuneRun: loading this class (picocli makes every command at start)
    // loads none of Spark's classes, so the read-only commands start fast
    return TuneRun.run(settings, spec, resume, quiet, out, err);
  }
}
