package io.kiln.cli;

import io.kiln.record.TrainingJobStatus;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln wait NAME [--timeout S]}: blocks until a training or tuning job ends, and exits with
 * its code: 0 Completed, 1 Failed, 3 Stopped; 5 when the timeout passes first; 4 when there is no
 * such job. Reads the job root every {@code --interval} seconds; starts no Spark.
 */
@Command(name = "wait", mixinStandardHelpOptions = true,
    description = "Wait until a training or tuning job ends; exit with its code (0 Completed, 1 Failed, 3 Stopped).")
final class WaitCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Give up after this long and exit 5 (the job goes on); default: wait as long as it takes")
  Double timeout;

  @Option(names = "--interval", paramLabel = "SECONDS", description = "How often to read the job's status (default 1)")
  double interval = 1;

  @Option(names = "--quiet", description = "Print nothing; only the exit code tells")
  boolean quiet;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws InterruptedException {
    if (timeout != null && timeout < 0) {
      throw new CommandLine.ParameterException(command.commandLine(), "--timeout is " + timeout
          + "; give 0 or more seconds");
    }
    WatchedJob job = WatchedJob.find(store(common), name);
    long start = System.nanoTime();
    long sleepMillis = Math.max(50, Math.round(interval * 1000));
    while (true) {
      TrainingJobStatus status = job.status();
      if (status.terminal()) {
        if (!quiet) {
          PrintWriter out = status == TrainingJobStatus.Failed ? command.commandLine().getErr()
              : command.commandLine().getOut();
          out.println(name + " " + status + (status == TrainingJobStatus.Completed ? ""
              : job.failureReason().map(r -> ": " + r).orElse("")));
          out.flush();
        }
        return status.exitCode();
      }
      double waited = (System.nanoTime() - start) / 1e9;
      if (timeout != null && waited >= timeout) {
        if (!quiet) {
          command.commandLine().getErr().println("kiln wait: the " + job.what() + " is still " + status + " after "
              + timeout + " s (exit " + Kiln.EXIT_TIMEOUT + "; the job goes on)");
        }
        return Kiln.EXIT_TIMEOUT;
      }
      long remaining = timeout == null ? sleepMillis : (long) Math.ceil((timeout - waited) * 1000);
      Thread.sleep(Math.max(1, Math.min(sleepMillis, remaining)));
    }
  }
}
