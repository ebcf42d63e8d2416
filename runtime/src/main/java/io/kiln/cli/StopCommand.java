package io.kiln.cli;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln stop NAME}: asks the job's driver to stop it at the next round, keeping the model so far.
 * A training or tuning job that already ended (Completed, Failed or Stopped) cannot be stopped: as
 * SageMaker's StopTrainingJob answers, a ValidationException naming its status, exit code 2. A job
 * already Stopping is asked again (harmless).
 */
@Command(name = "stop", mixinStandardHelpOptions = true, description = {"Stop a running training or tuning job "
    + "at its next round, keeping the model so far.", "A job that already ended (Completed, Failed, Stopped) "
    + "is a ValidationException, exit 2."})
final class StopCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    JobStore store = store(common);
    if (store.load(name).isEmpty() && TuningJobs.exists(store, name)) {
      TuningJobs.status(store, name).filter(s -> s.equals("Completed") || s.equals("Failed") || s.equals("Stopped"))
          .ifPresent(s -> {
            throw ended("hyperparameter tuning job", s);
          });
      TuningJobs.requestStop(store, name, "kiln stop");
      command.commandLine().getOut().println("Stop requested for tuning job " + name
          + "; its driver stops the running trials (see 'kiln describe-tuning " + name + "')");
      return 0;
    }
    JobRecord r = load(store, name);
    if (r.trainingJobStatus().terminal()) {
      throw ended("training job", r.trainingJobStatus().toString());
    }
    store.requestStop(name, "kiln stop");
    command.commandLine().getOut().println("Stop requested for " + name
        + "; its driver stops it at the next round boundary (see 'kiln describe " + name + "')");
    return 0;
  }

  /** SageMaker's answer to stopping a job that ended (StopTrainingJob's wording), with what to do instead. */
  private io.kiln.spi.KilnException ended(String kind, String status) {
    return io.kiln.spi.KilnException.user("ValidationException: The request was rejected because the " + kind
        + " is in status " + status + "; " + name + " already ended, there is nothing to stop (see 'kiln "
        + (kind.startsWith("training") ? "describe " : "describe-tuning ") + name + "')");
  }
}
