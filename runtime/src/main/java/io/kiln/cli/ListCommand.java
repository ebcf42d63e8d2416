package io.kiln.cli;

import io.kiln.record.AwsTime;
import io.kiln.record.JobRecord;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kiln list}: every job in the job root, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List training jobs, newest first.")
final class ListCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Option(names = "--max", paramLabel = "N", description = "Show at most N jobs")
  int max = Integer.MAX_VALUE;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    Instant now = Instant.now();
    List<JobRecord> jobs = store(common).list().stream().map(r -> r.asSeenAt(now)).limit(max).toList();
    out.println(String.format("%-40s %-11s %-20s %-32s %s", "NAME", "STATUS", "SECONDARY", "CREATED", "ALGORITHM"));
    for (JobRecord r : jobs) {
      out.println(String.format("%-40s %-11s %-20s %-32s %s", r.trainingJobName(), r.trainingJobStatus(),
          r.secondaryStatus(), AwsTime.format(r.creationTime()), r.kiln() == null ? "" : r.kiln().algorithm()));
    }
    List<com.fasterxml.jackson.databind.JsonNode> tuning = TuningJobs.list(store(common)).stream().limit(max).toList();
    if (!tuning.isEmpty()) {
      out.println();
      out.println(String.format("%-40s %-11s %-32s %s", "TUNING JOB", "STATUS", "CREATED", "TRIALS"));
      for (var t : tuning) {
        out.println(String.format("%-40s %-11s %-32s %s", t.path("HyperParameterTuningJobName").asText(),
            t.path("HyperParameterTuningJobStatus").asText(), t.path("CreationTime").asText(),
            t.path("Kiln").path("Trials").size()));
      }
    }
    return 0;
  }
}
