package io.kiln.tuning.cli;

import io.kiln.cli.CommonOptions;
import io.kiln.tuning.driver.TrialRecord;
import io.kiln.tuning.driver.TuningRecord;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln list-trials NAME [--json]}: every trial of a tuning job, its hyperparameters, status
 * and objective; with --json, the ListTrainingJobsForHyperParameterTuningJob response. Starts no
 * Spark.
 */
@Command(name = "list-trials", mixinStandardHelpOptions = true, description = "List a tuning job's trials.")
final class ListTrialsCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @CommandLine.Option(names = "--json", description = "Print the ListTrainingJobsForHyperParameterTuningJob response "
      + "(a HyperParameterTrainingJobSummary per trial)")
  boolean json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    TuningRecord r = DescribeTuningCommand.load(common, name);
    PrintWriter out = command.commandLine().getOut();
    if (json) {
      out.println(io.kiln.record.Json.write(io.kiln.tuning.driver.TuningJobDescription.trialSummaries(r,
          DescribeTuningCommand.arns(common))));
      return 0;
    }
    String metric = r.config().path("HyperParameterTuningJobObjective").path("MetricName").asText();
    out.println(String.format("%-4s %-44s %-10s %-10s %-14s %s", "#", "TRAINING JOB", "STATUS", "OBJECTIVE",
        metric.length() > 14 ? metric.substring(0, 14) : metric, "HYPERPARAMETERS"));
    for (TrialRecord t : r.kiln().trials()) {
      out.println(String.format("%-4d %-44s %-10s %-10s %-14s %s", t.number(), t.trainingJobName(), t.status(),
          t.objectiveStatus(), t.objective() == null ? "-" : String.format("%.6g", t.objective()),
          io.kiln.spi.Messages.oneLine(String.valueOf(t.tunedHyperParameters())) + (t.resource() > 0 ? " resource=" + t.resource() : "")
              + (t.parent() > 0 ? " continues #" + t.parent() : "")));
    }
    return 0;
  }
}
