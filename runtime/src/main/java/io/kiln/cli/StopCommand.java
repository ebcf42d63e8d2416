package io.kiln.cli;

import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln stop NAME}: asks the job's driver to stop it at the next round, keeping the model so far. */
@Command(name = "stop", mixinStandardHelpOptions = true, description = "Stop a running training job.")
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
      TuningJobs.requestStop(store, name, "kiln stop");
      command.commandLine().getOut().println("Stop requested for tuning job " + name
          + "; its driver stops the running trials (see 'kiln describe-tuning " + name + "')");
      return 0;
    }
    JobRecord r = load(store, name);
    if (r.trainingJobStatus().terminal()) {
      command.commandLine().getOut().println(name + " already ended: " + r.trainingJobStatus());
      return 0;
    }
    store.requestStop(name, "kiln stop");
    command.commandLine().getOut().println("Stop requested for " + name
        + "; its driver stops it at the next round boundary (see 'kiln describe " + name + "')");
    return 0;
  }
}
