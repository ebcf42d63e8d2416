package io.kiln.record;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.KilnException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * SageMaker's {@code ListTrainingJobs} over job records: its filters, sort orders and pages, for
 * {@code kiln list} and an API server alike. Semantics follow the operation's documentation in the
 * service model (API 2017-07-24):
 * <ul>
 *   <li>{@code NameContains}: the name contains the string, ignoring case;</li>
 *   <li>{@code CreationTimeAfter/Before}, {@code LastModifiedTimeAfter/Before}: strictly after or
 *       before;</li>
 *   <li>{@code SortBy} {@code Name | CreationTime | Status} (default CreationTime), {@code SortOrder}
 *       {@code Ascending | Descending} (default Ascending); ties are broken by name;</li>
 *   <li>{@code MaxResults} 1 to 100 selects a page before {@code StatusEquals} filters it, as the
 *       operation documents ("the MaxResults number of training jobs are first retrieved ignoring
 *       the StatusEquals parameter and then they are filtered"): a page may hold fewer jobs than
 *       asked for and still have a {@code NextToken};</li>
 *   <li>{@code NextToken}: opaque; it names the last job of the page by its sort key, so a job
 *       created or changed meanwhile neither repeats nor shifts the pages that follow.</li>
 * </ul>
 *
 * @param statusEquals only jobs with this status, or null
 * @param nameContains only jobs whose name contains this, or null
 * @param creationTimeAfter only jobs created after this, or null
 * @param creationTimeBefore only jobs created before this, or null
 * @param lastModifiedTimeAfter only jobs modified after this, or null
 * @param lastModifiedTimeBefore only jobs modified before this, or null
 * @param sortBy the sort key
 * @param ascending the sort order
 */
public record TrainingJobQuery(
    TrainingJobStatus statusEquals,
    String nameContains,
    Instant creationTimeAfter,
    Instant creationTimeBefore,
    Instant lastModifiedTimeAfter,
    Instant lastModifiedTimeBefore,
    SortBy sortBy,
    boolean ascending) {

  /** ListTrainingJobs' SortBy. */
  public enum SortBy { Name, CreationTime, Status }

  /** The request members this class reads; WarmPoolStatusEquals has no meaning in Kiln (no warm pools). */
  private static final Set<String> REQUEST_MEMBERS = Set.of("NextToken", "MaxResults", "CreationTimeAfter",
      "CreationTimeBefore", "LastModifiedTimeAfter", "LastModifiedTimeBefore", "NameContains", "StatusEquals",
      "SortBy", "SortOrder", "WarmPoolStatusEquals");
  public static final int MAX_RESULTS_LIMIT = 100;

  public TrainingJobQuery {
    sortBy = sortBy == null ? SortBy.CreationTime : sortBy;
    nameContains = nameContains == null || nameContains.isEmpty() ? null : nameContains;
  }

  /** Every job, oldest first. */
  public static TrainingJobQuery all() {
    return new TrainingJobQuery(null, null, null, null, null, null, SortBy.CreationTime, true);
  }

  /**
   * One page of results.
   *
   * @param jobs the jobs of this page, in order
   * @param nextToken where the next page starts, or null when this is the last
   */
  public record Page(List<JobRecord> jobs, String nextToken) {}

  /**
   * A ListTrainingJobs request (PascalCase members, timestamps as ISO-8601 strings or epoch
   * seconds) as a query; {@link #page} takes its MaxResults and NextToken.
   *
   * @throws KilnException USER (ValidationException) naming a member that is unknown or malformed
   */
  public static TrainingJobQuery fromRequest(JsonNode request) {
    for (Iterator<String> it = request.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!REQUEST_MEMBERS.contains(f)) {
        throw KilnException.user("ValidationException: ListTrainingJobs has no member '" + f + "'; its members are "
            + String.join(", ", new java.util.TreeSet<>(REQUEST_MEMBERS)));
      }
    }
    return new TrainingJobQuery(
        request.hasNonNull("StatusEquals") ? status(request.get("StatusEquals").asText()) : null,
        request.path("NameContains").asText(null),
        time(request, "CreationTimeAfter"), time(request, "CreationTimeBefore"),
        time(request, "LastModifiedTimeAfter"), time(request, "LastModifiedTimeBefore"),
        request.hasNonNull("SortBy") ? sortBy(request.get("SortBy").asText()) : null,
        !request.hasNonNull("SortOrder") || sortOrderAscending(request.get("SortOrder").asText()));
  }

  private static Instant time(JsonNode request, String member) {
    JsonNode v = request.get(member);
    if (v == null || v.isNull()) {
      return null;
    }
    return v.isNumber() ? Instant.ofEpochMilli(Math.round(v.asDouble() * 1000)) : parseTime(v.asText(), member);
  }

  /** A TrainingJobStatus by its name, or a USER error listing the valid ones. */
  public static TrainingJobStatus status(String value) {
    for (TrainingJobStatus s : TrainingJobStatus.values()) {
      if (s.name().equals(value)) {
        return s;
      }
    }
    throw KilnException.user("ValidationException: StatusEquals '" + value + "' is not a training job status; use one "
        + "of InProgress, Completed, Failed, Stopping, Stopped");
  }

  /** A SortBy by its name, or a USER error listing the valid ones. */
  public static SortBy sortBy(String value) {
    for (SortBy s : SortBy.values()) {
      if (s.name().equals(value)) {
        return s;
      }
    }
    throw KilnException.user("ValidationException: SortBy '" + value + "' is not one of Name, CreationTime, Status");
  }

  /** True for Ascending, false for Descending, else a USER error. */
  public static boolean sortOrderAscending(String value) {
    return switch (value) {
      case "Ascending" -> true;
      case "Descending" -> false;
      default -> throw KilnException.user("ValidationException: SortOrder '" + value
          + "' is not one of Ascending, Descending");
    };
  }

  /**
   * A point in time as the AWS CLI takes one: ISO-8601 with an offset or {@code Z}
   * ({@code 2026-05-01T12:00:00Z}), a date and time without one (UTC), a date ({@code 2026-05-01},
   * midnight UTC), or epoch seconds ({@code 1777636800}, fractions allowed).
   *
   * @param what the option or member, for the message
   * @throws KilnException USER naming the value and the accepted forms
   */
  public static Instant parseTime(String value, String what) {
    String v = value.trim();
    try {
      if (v.matches("-?[0-9]+(\\.[0-9]+)?")) {
        return Instant.ofEpochMilli(Math.round(Double.parseDouble(v) * 1000));
      }
      if (v.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
        return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      try {
        return OffsetDateTime.parse(v, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
      } catch (DateTimeParseException e) {
        return java.time.LocalDateTime.parse(v, DateTimeFormatter.ISO_LOCAL_DATE_TIME).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException | NumberFormatException e) {
      throw KilnException.user(what + " '" + value + "' is not a time; give ISO-8601 (2026-05-01T12:00:00Z, "
          + "2026-05-01) or epoch seconds (1777636800)");
    }
  }

  /** True when the job passes every filter but StatusEquals (which {@link #page} applies last). */
  boolean matchesBeforeStatus(JobRecord r) {
    if (nameContains != null && !r.trainingJobName().toLowerCase(Locale.ROOT)
        .contains(nameContains.toLowerCase(Locale.ROOT))) {
      return false;
    }
    if (creationTimeAfter != null && (r.creationTime() == null || !r.creationTime().isAfter(creationTimeAfter))) {
      return false;
    }
    if (creationTimeBefore != null && (r.creationTime() == null || !r.creationTime().isBefore(creationTimeBefore))) {
      return false;
    }
    Instant modified = r.lastModifiedTime() != null ? r.lastModifiedTime() : r.creationTime();
    if (lastModifiedTimeAfter != null && (modified == null || !modified.isAfter(lastModifiedTimeAfter))) {
      return false;
    }
    return lastModifiedTimeBefore == null || modified != null && modified.isBefore(lastModifiedTimeBefore);
  }

  /** True when the job passes every filter. */
  public boolean matches(JobRecord r) {
    return matchesBeforeStatus(r) && (statusEquals == null || r.trainingJobStatus() == statusEquals);
  }

  /** The matching jobs among {@code seen} (records as seen now), in the query's order, all of them. */
  public List<JobRecord> select(List<JobRecord> seen) {
    return seen.stream().filter(this::matches).sorted(order()).toList();
  }

  /**
   * One page of the matching jobs among {@code seen} (records as seen now).
   *
   * @param maxResults 1 to {@value #MAX_RESULTS_LIMIT}
   * @param nextToken the previous page's token, or null for the first page
   * @throws KilnException USER (ValidationException) for a MaxResults out of range or a token
   *     this query did not make
   */
  public Page page(List<JobRecord> seen, int maxResults, String nextToken) {
    if (maxResults < 1 || maxResults > MAX_RESULTS_LIMIT) {
      throw KilnException.user("ValidationException: MaxResults is " + maxResults + "; expected 1 to "
          + MAX_RESULTS_LIMIT);
    }
    Comparator<JobRecord> order = order();
    List<JobRecord> candidates = seen.stream().filter(this::matchesBeforeStatus).sorted(order).toList();
    int start = 0;
    if (nextToken != null && !nextToken.isEmpty()) {
      Cursor after = Cursor.decode(nextToken, sortBy);
      while (start < candidates.size() && after.compareTo(candidates.get(start), sortBy, ascending) >= 0) {
        start++;
      }
    }
    int end = Math.min(candidates.size(), start + maxResults);
    List<JobRecord> jobs = new ArrayList<>();
    for (JobRecord r : candidates.subList(start, end)) {
      if (statusEquals == null || r.trainingJobStatus() == statusEquals) {
        jobs.add(r);
      }
    }
    String token = end < candidates.size() ? Cursor.of(candidates.get(end - 1), sortBy).encode() : null;
    return new Page(jobs, token);
  }

  /** The ListTrainingJobs response for a page: {@code TrainingJobSummaries} and, when more follow, {@code NextToken}. */
  public static ObjectNode response(Page page, Arns arns) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode summaries = out.putArray("TrainingJobSummaries");
    page.jobs().forEach(r -> summaries.add(TrainingJobDescription.summary(r, arns)));
    if (page.nextToken() != null) {
      out.put("NextToken", page.nextToken());
    }
    return out;
  }

  private Comparator<JobRecord> order() {
    Comparator<JobRecord> key = switch (sortBy) {
      case Name -> Comparator.comparing(JobRecord::trainingJobName);
      case CreationTime -> Comparator.comparing(JobRecord::creationTime, Comparator.nullsFirst(Comparator.naturalOrder()));
      case Status -> Comparator.comparing(r -> r.trainingJobStatus().name());
    };
    Comparator<JobRecord> byName = Comparator.comparing(JobRecord::trainingJobName);
    Comparator<JobRecord> c = key.thenComparing(byName);
    return ascending ? c : c.reversed();
  }

  /** The sort key of a page's last job: where the next page starts. */
  private record Cursor(String key, String name) {
    static Cursor of(JobRecord r, SortBy sortBy) {
      return new Cursor(keyOf(r, sortBy), r.trainingJobName());
    }

    private static String keyOf(JobRecord r, SortBy sortBy) {
      return switch (sortBy) {
        case Name -> r.trainingJobName();
        case CreationTime -> r.creationTime() == null ? "" : java.math.BigDecimal.valueOf(r.creationTime().getEpochSecond())
            .add(java.math.BigDecimal.valueOf(r.creationTime().getNano(), 9)).toPlainString();
        case Status -> r.trainingJobStatus().name();
      };
    }

    String encode() {
      String plain = "v1\n" + key + "\n" + name;
      return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String token, SortBy sortBy) {
      try {
        String plain = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        String[] parts = plain.split("\n", -1);
        if (parts.length != 3 || !parts[0].equals("v1")) {
          throw new IllegalArgumentException("not a Kiln token");
        }
        return new Cursor(parts[1], parts[2]);
      } catch (IllegalArgumentException e) {
        throw KilnException.user("ValidationException: NextToken '" + token + "' was not returned by a "
            + "ListTrainingJobs (kiln list --json) of this job root; pass the NextToken of the previous page as is");
      }
    }

    /** Compares this cursor with a job in the query's order: negative when the job comes after it. */
    int compareTo(JobRecord r, SortBy sortBy, boolean ascending) {
      String other = keyOf(r, sortBy);
      int c = sortBy == SortBy.CreationTime ? compareTimes(key, other) : key.compareTo(other);
      if (c == 0) {
        c = name.compareTo(r.trainingJobName());
      }
      return ascending ? c : -c;
    }

    private static int compareTimes(String a, String b) {
      if (a.isEmpty() || b.isEmpty()) {
        return a.isEmpty() ? (b.isEmpty() ? 0 : -1) : 1;
      }
      return new java.math.BigDecimal(a).compareTo(new java.math.BigDecimal(b));
    }
  }
}
