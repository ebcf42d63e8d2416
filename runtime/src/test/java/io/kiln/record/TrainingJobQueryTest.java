package io.kiln.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spec.JobBuilder;
import io.kiln.spi.KilnException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** ListTrainingJobs' filters, orders and pages over records made as the runner makes them. */
class TrainingJobQueryTest {
  static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");
  static final TrainingJobStatus[] CYCLE = {TrainingJobStatus.Completed, TrainingJobStatus.Failed,
      TrainingJobStatus.InProgress, TrainingJobStatus.Stopped};

  /** Job i is created at T0 + i minutes, named job-XX or Churn-XX, with a status in turn. */
  static List<JobRecord> jobs(int n) {
    List<JobRecord> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = (i % 3 == 0 ? "Churn-" : "job-") + String.format("%02d", i);
      out.add(record(name, T0.plusSeconds(60L * i), CYCLE[i % CYCLE.length]));
    }
    return out;
  }

  static JobRecord record(String name, Instant created, TrainingJobStatus status) {
    JobRecord r = JobRecords.created(JobBuilder.named(name).algorithm("counting").hyperparameter("rounds", 1)
        .channel("train", "s3://b/train/", "text/csv").outputPath("s3://b/out/").build(), created, "local[1]", "app",
        "127.0.0.1", 10, 30);
    return r.toBuilder().trainingJobStatus(status).lastModifiedTime(created.plusSeconds(30)).build();
  }

  static List<String> names(List<JobRecord> rs) {
    return rs.stream().map(JobRecord::trainingJobName).toList();
  }

  @Test
  void filtersAreStrictInTimeAndIgnoreCaseInNames() {
    List<JobRecord> all = jobs(12);
    TrainingJobQuery churn = new TrainingJobQuery(null, "churn", null, null, null, null, null, true);
    assertThat(names(churn.select(all))).containsExactly("Churn-00", "Churn-03", "Churn-06", "Churn-09");
    TrainingJobQuery window = new TrainingJobQuery(null, null, T0.plusSeconds(60), T0.plusSeconds(240), null, null,
        null, true);
    assertThat(names(window.select(all))).containsExactly("job-02", "Churn-03");
    TrainingJobQuery failed = new TrainingJobQuery(TrainingJobStatus.Failed, null, null, null, null, null, null, false);
    assertThat(names(failed.select(all))).containsExactly("Churn-09", "job-05", "job-01");
    TrainingJobQuery byName = new TrainingJobQuery(null, null, null, null, null, null, TrainingJobQuery.SortBy.Name,
        true);
    assertThat(names(byName.select(all)).subList(0, 2)).containsExactly("Churn-00", "Churn-03");
  }

  @Test
  void pagesCoverEveryJobOnceInOrderAndANewJobDoesNotShiftThem() {
    List<JobRecord> all = new ArrayList<>(jobs(25));
    TrainingJobQuery q = new TrainingJobQuery(null, null, null, null, null, null, null, false);
    List<String> seen = new ArrayList<>();
    TrainingJobQuery.Page page = q.page(all, 10, null);
    seen.addAll(names(page.jobs()));
    assertThat(page.jobs()).hasSize(10);
    // a job created between two pages (newest, so first in this order) neither repeats nor shifts the rest
    all.add(record("job-late", T0.plusSeconds(3600), TrainingJobStatus.InProgress));
    while (page.nextToken() != null) {
      page = q.page(all, 10, page.nextToken());
      seen.addAll(names(page.jobs()));
    }
    assertThat(seen).hasSize(25).doesNotHaveDuplicates().doesNotContain("job-late");
    assertThat(seen).isEqualTo(names(q.select(jobs(25))));
  }

  @Test
  void statusEqualsFiltersAPageAfterItIsTakenAsSageMakerDocuments() {
    List<JobRecord> all = jobs(12);
    TrainingJobQuery completed = new TrainingJobQuery(TrainingJobStatus.Completed, null, null, null, null, null, null,
        true);
    TrainingJobQuery.Page first = completed.page(all, 4, null);
    // jobs 0..3 are taken, then filtered: one of them is Completed
    assertThat(names(first.jobs())).containsExactly("Churn-00");
    assertThat(first.nextToken()).isNotNull();
    Set<String> every = new HashSet<>(names(first.jobs()));
    for (TrainingJobQuery.Page p = first; p.nextToken() != null; ) {
      p = completed.page(all, 4, p.nextToken());
      every.addAll(names(p.jobs()));
    }
    assertThat(every).containsExactlyInAnyOrder("Churn-00", "job-04", "job-08");
  }

  @Test
  void badPagesAndRequestsAreValidationErrors() throws Exception {
    TrainingJobQuery q = TrainingJobQuery.all();
    assertThatThrownBy(() -> q.page(jobs(2), 101, null)).isInstanceOf(KilnException.class)
        .hasMessageContaining("MaxResults is 101; expected 1 to 100");
    assertThatThrownBy(() -> q.page(jobs(2), 10, "not-a-token")).hasMessageContaining("NextToken 'not-a-token'");
    ObjectMapper json = new ObjectMapper();
    TrainingJobQuery parsed = TrainingJobQuery.fromRequest(json.readTree("""
        {"StatusEquals": "Failed", "NameContains": "job", "CreationTimeAfter": 1777636800,
         "CreationTimeBefore": "2026-05-02", "SortBy": "Name", "SortOrder": "Descending", "MaxResults": 5}"""));
    assertThat(parsed).isEqualTo(new TrainingJobQuery(TrainingJobStatus.Failed, "job", T0,
        Instant.parse("2026-05-02T00:00:00Z"), null, null, TrainingJobQuery.SortBy.Name, false));
    assertThatThrownBy(() -> TrainingJobQuery.fromRequest(json.readTree("{\"StatusEqual\": \"Failed\"}")))
        .hasMessageContaining("ListTrainingJobs has no member 'StatusEqual'");
    assertThatThrownBy(() -> TrainingJobQuery.status("Done")).hasMessageContaining("use one of InProgress, Completed");
  }

  @Test
  void timesAreReadInTheFormsTheAwsCliTakes() {
    assertThat(TrainingJobQuery.parseTime("2026-05-01T12:00:00Z", "t")).isEqualTo(T0);
    assertThat(TrainingJobQuery.parseTime("2026-05-01T14:00:00+02:00", "t")).isEqualTo(T0);
    assertThat(TrainingJobQuery.parseTime("2026-05-01T12:00:00", "t")).isEqualTo(T0);
    assertThat(TrainingJobQuery.parseTime("1777636800", "t")).isEqualTo(T0);
    assertThat(TrainingJobQuery.parseTime("1777636800.5", "t")).isEqualTo(T0.plusMillis(500));
    assertThat(TrainingJobQuery.parseTime("2026-05-01", "t")).isEqualTo(Instant.parse("2026-05-01T00:00:00Z"));
    assertThatThrownBy(() -> TrainingJobQuery.parseTime("yesterday", "--creation-time-after"))
        .hasMessageContaining("--creation-time-after 'yesterday' is not a time");
  }
}
