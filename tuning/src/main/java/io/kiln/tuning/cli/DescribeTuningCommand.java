package io.kiln.tuning.cli;

import io.kiln.cli.CommonOptions;
import io.kiln.cli.KilnSettings;
import io.kiln.record.Arns;
import io.kiln.record.Json;
import io.kiln.record.RecordStore;
import io.kiln.record.ResourceNotFoundException;
import io.kiln.tuning.driver.TuningJobDescription;
import io.kiln.tuning.driver.TuningRecord;
import io.kiln.tuning.driver.TuningStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kiln describe-tuning NAME [--json]}: a tuning job; with --json, the
 * DescribeHyperParameterTuningJob response as the SageMaker service model defines it
 * ({@link TuningJobDescription}), Kiln's own fields under {@code Kiln}. Starts no Spark.
 */
@Command(name = "describe-tuning", mixinStandardHelpOptions = true, description = "Show a tuning job.")
final class DescribeTuningCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Option(names = "--json", description = "Print the DescribeHyperParameterTuningJob response (Kiln's own fields "
      + "under 'Kiln')")
  boolean json;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  /**
   * A tuning job's record as a reader sees it now, read through Hadoop's FileSystem (no Spark).
   *
   * @throws ResourceNotFoundException when there is no such job (exit code 4)
   */
  static TuningRecord load(CommonOptions common, String name) {
    KilnSettings s = common.settings();
    RecordStore<TuningRecord> store = TuningStore.at(s.jobRoot(), s::hadoopConf);
    return store.load(name).map(r -> r.asSeenAt(Instant.now()))
        .orElseThrow(() -> ResourceNotFoundException.of("tuning job", name, store.shownRoot()));
  }

  /** The ARNs for records written before Kiln kept them: from the {@code spark.kiln.arn.*} settings. */
  static Arns arns(CommonOptions common) {
    return Arns.from(common.settings().values());
  }

  @Override
  public Integer call() {
    TuningRecord r = load(common, name);
    PrintWriter out = command.commandLine().getOut();
    if (json) {
      out.println(Json.write(TuningJobDescription.describe(r, arns(common))));
      return 0;
    }
    out.println("HyperParameterTuningJobName:   " + r.name());
    out.println("HyperParameterTuningJobArn:    " + (r.arn() != null ? r.arn() : arns(common).tuningJob(r.name())));
    out.println("HyperParameterTuningJobStatus: " + r.status());
    if (r.failureReason() != null) {
      out.println("FailureReason:                 " + io.kiln.spi.Messages.oneLine(String.valueOf(r.failureReason())));
    }
    out.println("Strategy:                      " + r.config().path("Strategy").asText() + ", objective "
        + r.config().path("HyperParameterTuningJobObjective").path("Type").asText() + " "
        + r.config().path("HyperParameterTuningJobObjective").path("MetricName").asText());
    out.println("TrainingJobStatusCounters:     " + r.trainingJobStatusCounters());
    out.println("ObjectiveStatusCounters:       " + r.objectiveStatusCounters());
    if (r.bestTrainingJob() != null) {
      out.println("BestTrainingJob:               " + r.bestTrainingJob().path("TrainingJobName").asText() + " = "
          + r.bestTrainingJob().path("FinalHyperParameterTuningJobObjectiveMetric").path("Value").asText() + " "
          + r.bestTrainingJob().path("TunedHyperParameters"));
    }
    if (r.kiln() != null && r.kiln().completionReason() != null) {
      out.println("Completion:                    " + r.kiln().completionReason());
    }
    return 0;
  }
}
