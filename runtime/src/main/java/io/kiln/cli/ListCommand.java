package io.kiln.cli;

import io.kiln.record.AwsTime;
import io.kiln.record.JobRecord;
import io.kiln.record.JobStore;
import io.kiln.record.Json;
import io.kiln.record.RecordStore;
import io.kiln.record.TrainingJobQuery;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln list}: the jobs in the job root, newest first, as a table (training jobs, then tuning
 * jobs); with {@code --json}, SageMaker's ListTrainingJobs response ({@code TrainingJobSummaries},
 * {@code NextToken}) with its filters, sort orders and pages ({@link TrainingJobQuery}). Starts no
 * Spark.
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = {"List training jobs (newest first) and "
    + "tuning jobs.", "With --json: SageMaker's ListTrainingJobs response, training jobs only; without "
    + "--max-results every match (as the AWS CLI pages through them), sorted by creation time ascending unless "
    + "--sort-by/--sort-order say otherwise."})
final class ListCommand extends StoreCommand implements Callable<Integer> {
  @Mixin
  CommonOptions common;

  @Option(names = "--max", paramLabel = "N", description = "Table: show at most N jobs of each kind")
  int max = Integer.MAX_VALUE;

  @Option(names = "--json", description = "Print the ListTrainingJobs response (TrainingJobSummaries, NextToken)")
  boolean json;

  @Option(names = "--status-equals", paramLabel = "STATUS",
      description = "Only jobs in this status: InProgress, Completed, Failed, Stopping, Stopped")
  String statusEquals;

  @Option(names = "--name-contains", paramLabel = "TEXT", description = "Only jobs whose name contains TEXT (any case)")
  String nameContains;

  @Option(names = "--creation-time-after", paramLabel = "TIME",
      description = "Only jobs created after TIME (ISO-8601 such as 2026-05-01T12:00:00Z or 2026-05-01, or epoch seconds)")
  String creationTimeAfter;

  @Option(names = "--creation-time-before", paramLabel = "TIME", description = "Only jobs created before TIME")
  String creationTimeBefore;

  @Option(names = "--last-modified-time-after", paramLabel = "TIME", description = "Only jobs modified after TIME")
  String lastModifiedTimeAfter;

  @Option(names = "--last-modified-time-before", paramLabel = "TIME", description = "Only jobs modified before TIME")
  String lastModifiedTimeBefore;

  @Option(names = "--sort-by", paramLabel = "KEY", description = "--json: Name, CreationTime (default) or Status")
  String sortBy;

  @Option(names = "--sort-order", paramLabel = "ORDER", description = "--json: Ascending (default) or Descending")
  String sortOrder;

  @Option(names = "--max-results", paramLabel = "N",
      description = "--json: one page of at most N jobs (1 to 100), with a NextToken when more follow; "
          + "as on SageMaker, --status-equals filters the page after it is taken")
  Integer maxResults;

  @Option(names = "--next-token", paramLabel = "TOKEN", description = "--json: the page after the one that gave TOKEN")
  String nextToken;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter out = command.commandLine().getOut();
    TrainingJobQuery query = query();
    JobStore store = store(common);
    Instant now = Instant.now();
    RecordStore.Listing<JobRecord> listing = store.list();
    List<JobRecord> seen = listing.records().stream().map(r -> r.asSeenAt(now)).toList();
    RecordStore.Listing<com.fasterxml.jackson.databind.JsonNode> tuningListing = TuningJobs.list(store);
    warnUnreadable(listing.unreadable());
    warnUnreadable(tuningListing.unreadable());
    if (json) {
      TrainingJobQuery.Page page = maxResults == null && nextToken == null
          ? new TrainingJobQuery.Page(query.select(seen), null)
          : query.page(seen, maxResults == null ? TrainingJobQuery.MAX_RESULTS_LIMIT : maxResults, nextToken);
      out.println(Json.write(TrainingJobQuery.response(page, arns(common))));
      return 0;
    }
    if (maxResults != null || nextToken != null || sortBy != null || sortOrder != null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--max-results, --next-token, --sort-by and --sort-order page the --json output; the table takes --max N");
    }
    List<JobRecord> jobs = seen.stream().filter(query::matches).limit(max).toList();
    out.println(String.format("%-40s %-11s %-20s %-32s %s", "NAME", "STATUS", "SECONDARY", "CREATED", "ALGORITHM"));
    for (JobRecord r : jobs) {
      out.println(String.format("%-40s %-11s %-20s %-32s %s", r.trainingJobName(), r.trainingJobStatus(),
          r.secondaryStatus(), AwsTime.format(r.creationTime()), r.kiln() == null ? "" : r.kiln().algorithm()));
    }
    for (RecordStore.Unreadable u : listing.unreadable()) {
      if (nameContains == null || u.name().toLowerCase(java.util.Locale.ROOT)
          .contains(nameContains.toLowerCase(java.util.Locale.ROOT))) {
        out.println(String.format("%-40s %-11s", u.name(), UNREADABLE));
      }
    }
    List<com.fasterxml.jackson.databind.JsonNode> tuning = tuningListing.records().stream()
        .filter(t -> nameContains == null || t.path("HyperParameterTuningJobName").asText()
            .toLowerCase(java.util.Locale.ROOT).contains(nameContains.toLowerCase(java.util.Locale.ROOT)))
        .limit(max).toList();
    if ((!tuning.isEmpty() || !tuningListing.unreadable().isEmpty()) && statusEquals == null && creationTimeAfter == null && creationTimeBefore == null
        && lastModifiedTimeAfter == null && lastModifiedTimeBefore == null) {
      out.println();
      out.println(String.format("%-40s %-11s %-32s %s", "TUNING JOB", "STATUS", "CREATED", "TRIALS"));
      for (var t : tuning) {
        out.println(String.format("%-40s %-11s %-32s %s", t.path("HyperParameterTuningJobName").asText(),
            t.path("HyperParameterTuningJobStatus").asText(), t.path("CreationTime").asText(),
            t.path("Kiln").path("Trials").size()));
      }
      for (RecordStore.Unreadable u : tuningListing.unreadable()) {
        out.println(String.format("%-40s %-11s", u.name(), UNREADABLE));
      }
    }
    return 0;
  }

  /** The status column of a job whose record cannot be read. */
  static final String UNREADABLE = "Unreadable";

  /**
   * One line on stderr per record that cannot be read: the table marks them and the JSON response
   * (whose summaries need a status and a creation time) leaves them out, so the reason goes here.
   */
  private void warnUnreadable(List<RecordStore.Unreadable> unreadable) {
    PrintWriter err = command.commandLine().getErr();
    for (RecordStore.Unreadable u : unreadable) {
      err.println("kiln list: " + u.reason());
    }
    err.flush();
  }

  /** The filters and order given; a malformed value is a usage error (exit 2) naming the option. */
  private TrainingJobQuery query() {
    return new TrainingJobQuery(
        statusEquals == null ? null : option("--status-equals", () -> TrainingJobQuery.status(statusEquals)),
        nameContains,
        time(creationTimeAfter, "--creation-time-after"), time(creationTimeBefore, "--creation-time-before"),
        time(lastModifiedTimeAfter, "--last-modified-time-after"),
        time(lastModifiedTimeBefore, "--last-modified-time-before"),
        sortBy == null ? null : option("--sort-by", () -> TrainingJobQuery.sortBy(sortBy)),
        sortOrder == null || option("--sort-order", () -> TrainingJobQuery.sortOrderAscending(sortOrder)));
  }

  private <T> T option(String name, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (io.kiln.spi.KilnException e) {
      throw new CommandLine.ParameterException(command.commandLine(), name + ": "
          + e.getMessage().replace("ValidationException: ", ""));
    }
  }

  private Instant time(String value, String option) {
    return value == null ? null : option(option, () -> TrainingJobQuery.parseTime(value, option));
  }
}
