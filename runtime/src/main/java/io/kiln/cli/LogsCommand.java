package io.kiln.cli;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln logs NAME [-f]}: a training or tuning job's saved log (lifecycle and per-round
 * metrics); with {@code -f}, what the driver adds to it is printed as it is saved, until the job
 * ends. Starts no Spark.
 */
@Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a training or tuning job's log.")
final class LogsCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = {"-f", "--follow"}, description = "Keep printing what the job logs until it ends "
      + "(Completed, Failed or Stopped)")
  boolean follow;

  @Option(names = "--interval", paramLabel = "SECONDS", description = "With -f: how often to read the log (default 1)")
  double interval = 1;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() throws InterruptedException {
    WatchedJob job = WatchedJob.find(store(common), name);
    PrintWriter out = command.commandLine().getOut();
    if (!follow) {
      String log = job.log().orElseThrow(() -> new KilnException(ErrorType.INTERNAL,
          "The " + job.what() + " has no log yet"));
      out.print(log);
      out.flush();
      return 0;
    }
    long sleepMillis = Math.max(50, Math.round(interval * 1000));
    String printed = "";
    while (true) {
      // the status first: a driver writes a job's log before its record (the same snapshot), so once
      // the record says the job ended, the log read next has its last line
      boolean ended = job.status().terminal();
      String log = job.log().orElse("");
      if (log.startsWith(printed)) {
        out.print(log.substring(printed.length()));
      } else {
        // a new driver took the job over (kiln train --resume) and began a new log
        out.print(log);
      }
      out.flush();
      printed = log;
      if (ended) {
        return 0;
      }
      Thread.sleep(sleepMillis);
    }
  }
}
