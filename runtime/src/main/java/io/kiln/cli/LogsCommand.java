package io.kiln.cli;

import io.kiln.record.JobStore;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code kiln logs NAME}: the job's saved log. */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a training job's log.")
final class LogsCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    JobStore store = store(common);
    load(store, name);
    String log = store.readLog(name).orElseThrow(() -> new KilnException(ErrorType.INTERNAL,
        "Training job '" + name + "' has no log yet"));
    command.commandLine().getOut().print(log);
    command.commandLine().getOut().flush();
    return 0;
  }
}
