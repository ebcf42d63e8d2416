package io.kiln.cli;

import io.kiln.record.AwsTime;
import io.kiln.record.JobRecord;
import io.kiln.record.Json;
import io.kiln.record.TrainingJobDescription;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln describe NAME [--json]}: a job's status; with --json, the DescribeTrainingJob response
 * as the SageMaker service model defines it ({@link TrainingJobDescription}), Kiln's own fields
 * under {@code Kiln}. Starts no Spark.
 */
@Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a training job.")
final class DescribeCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--json", description = "Print the DescribeTrainingJob response (Kiln's own fields under 'Kiln')")
  boolean json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    JobRecord r = load(store(common), name);
    PrintWriter out = command.commandLine().getOut();
    if (json) {
      out.println(Json.write(TrainingJobDescription.describe(r, arns(common))));
      return 0;
    }
    out.println("TrainingJobName:   " + r.trainingJobName());
    out.println("TrainingJobArn:    " + (r.trainingJobArn() != null ? r.trainingJobArn()
        : arns(common).trainingJob(r.trainingJobName())));
    out.println("TrainingJobStatus: " + r.trainingJobStatus() + " (" + r.secondaryStatus() + ")");
    if (r.failureReason() != null && r.trainingJobStatus() == io.kiln.record.TrainingJobStatus.Failed) {
      out.println("FailureReason:     " + line(r.failureReason()));
    }
    if (r.kiln() != null) {
      out.println("Algorithm:         " + line(r.kiln().algorithm()) + " on " + r.kiln().workers() + " worker(s), master "
          + r.kiln().sparkMaster());
      if (r.kiln().roundsCompleted() != null) {
        out.println("RoundsCompleted:   " + r.kiln().roundsCompleted());
      }
      if (r.kiln().driverState() != null) {
        out.println("Driver:            " + r.kiln().driverState() + " (" + r.kiln().driverHost() + ", pid "
            + r.kiln().driverPid() + ")");
      }
    }
    out.println("Created:           " + AwsTime.format(r.creationTime()));
    if (r.trainingTimeInSeconds() != null) {
      out.println("TrainingTime:      " + r.trainingTimeInSeconds() + " s (billable " + r.billableTimeInSeconds() + " s)");
    }
    if (r.modelArtifacts() != null) {
      out.println("Model:             " + r.modelArtifacts().s3ModelArtifacts());
    }
    if (r.finalMetricDataList() != null) {
      for (JobRecord.MetricData m : r.finalMetricDataList()) {
        out.println("Metric:            " + line(m.metricName()) + " = " + m.value());
      }
    }
    if (r.kiln() != null && r.kiln().notices() != null) {
      for (String n : r.kiln().notices()) {
        out.println("Notice:            " + line(n));
      }
    }
    out.println("Transitions:");
    for (JobRecord.StatusTransition t : r.secondaryStatusTransitions()) {
      out.println("  " + AwsTime.format(t.startTime()) + "  " + String.format("%-20s", t.status()) + " "
          + line(t.statusMessage()));
    }
    if (r.hyperParameters() != null && !r.hyperParameters().isEmpty()) {
      out.println("HyperParameters:");
      for (Map.Entry<String, String> e : new java.util.TreeMap<>(r.hyperParameters()).entrySet()) {
        out.println("  " + line(e.getKey()) + " = " + line(e.getValue()));
      }
    }
    return 0;
  }

  /**
   * A value from the record as one line: a newline, carriage return or other control character a
   * user put in a hyperparameter, a metric name or a message is shown escaped, so it cannot forge
   * lines of this output (the record keeps it as it was given).
   */
  private static String line(String value) {
    return value == null ? "null" : io.kiln.spi.Messages.oneLine(value);
  }
}
