package io.kiln.bench;

import io.kiln.record.Arns;
import io.kiln.record.JobRecord;
import io.kiln.record.JobRecords;
import io.kiln.record.JobStore;
import io.kiln.record.SecondaryStatus;
import io.kiln.record.TrainingJobDescription;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.JobBuilder;
import io.kiln.spec.TrainingJobSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Fills a job root with finished training jobs for {@code scripts/bench-cli}, through the record
 * store and record types the runner persists with (not hand-written JSON): each job as a 100-round
 * XGBoost job leaves it, with its transitions, per-round metric history, final metrics, model
 * artifact and log. Most are Completed; every 20th Failed, every 20th (offset 10) Stopped.
 *
 * <p>Usage: {@code CliBenchJobs ROOT COUNT} (ROOT a Hadoop URI such as {@code file:///tmp/jobs}).
 */
public final class CliBenchJobs {
  private CliBenchJobs() {}

  public static void main(String[] args) {
    String root = args[0];
    int count = Integer.parseInt(args[1]);
    JobStore store = new JobStore(root, new Configuration());
    Instant t0 = Instant.parse("2026-05-01T12:00:00Z");
    for (int i = 0; i < count; i++) {
      String name = String.format("bench-job-%03d", i);
      if (store.load(name).isPresent()) {
        continue;
      }
      TrainingJobSpec spec = JobBuilder.named(name).algorithm("xgboost").hyperparameter("num_round", 100)
          .hyperparameter("objective", "binary:logistic").hyperparameter("max_depth", 6)
          .hyperparameter("eval_metric", "auc").channel("train", "s3://bench/train/", "text/csv")
          .channel("validation", "s3://bench/validation/", "text/csv").outputPath("s3://bench/output/").workers(2)
          .build();
      Instant created = t0.plusSeconds(120L * i);
      JobRecord r = TrainingJobDescription.identified(JobRecords.created(spec, created, "local[2]",
          "local-" + i, "127.0.0.1", 10, 30), Arns.defaults(), null);
      store.create(r);
      TrainingJobStatus end = i % 20 == 19 ? TrainingJobStatus.Failed
          : i % 20 == 9 ? TrainingJobStatus.Stopped : TrainingJobStatus.Completed;
      int rounds = end == TrainingJobStatus.Completed ? 100 : 40;
      Instant training = created.plusSeconds(4);
      List<JobRecord.RoundMetrics> history = new ArrayList<>();
      StringBuilder log = new StringBuilder(created + " Created training job " + name + "\n");
      for (int round = 0; round < rounds; round++) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("train:auc", 0.9 + 0.09 * round / rounds);
        m.put("validation:auc", 0.88 + 0.08 * round / rounds);
        Instant at = training.plusMillis(300L * round);
        history.add(new JobRecord.RoundMetrics(round, at, m));
        log.append(at).append(" [").append(round).append("]\ttrain-auc:").append(m.get("train:auc"))
            .append("\tvalidation-auc:").append(m.get("validation:auc")).append('\n');
      }
      Instant uploading = training.plusMillis(300L * rounds);
      Instant ended = uploading.plusSeconds(1);
      List<JobRecord.StatusTransition> ts = new ArrayList<>();
      ts.add(new JobRecord.StatusTransition(SecondaryStatus.Starting, created, created.plusSeconds(2),
          "Preparing the instances for training"));
      ts.add(new JobRecord.StatusTransition(SecondaryStatus.Downloading, created.plusSeconds(2), training,
          "Listing and planning the input channels"));
      SecondaryStatus last = switch (end) {
        case Failed -> SecondaryStatus.Failed;
        case Stopped -> SecondaryStatus.Stopped;
        default -> SecondaryStatus.Completed;
      };
      if (end == TrainingJobStatus.Failed) {
        ts.add(new JobRecord.StatusTransition(SecondaryStatus.Training, training, ended, "Training"));
      } else {
        if (end == TrainingJobStatus.Stopped) {
          ts.add(new JobRecord.StatusTransition(SecondaryStatus.Training, training, uploading.minusMillis(100),
              "Training"));
          ts.add(new JobRecord.StatusTransition(SecondaryStatus.Stopping, uploading.minusMillis(100), uploading,
              "Stopping the training job (kiln stop)"));
        } else {
          ts.add(new JobRecord.StatusTransition(SecondaryStatus.Training, training, uploading, "Training"));
        }
        ts.add(new JobRecord.StatusTransition(SecondaryStatus.Uploading, uploading, ended,
            "Uploading generated training model"));
      }
      String reason = end == TrainingJobStatus.Failed ? "AlgorithmError: the bench's failed job"
          : end == TrainingJobStatus.Stopped ? "kiln stop; the model so far was kept" : null;
      ts.add(new JobRecord.StatusTransition(last, ended, ended, reason == null ? "Training job completed" : reason));
      log.append(ended).append(" [").append(last).append("] ")
          .append(reason == null ? "Training job completed" : reason).append('\n');
      long seconds = Math.max(1, ended.getEpochSecond() - training.getEpochSecond());
      JobRecord.Builder b = r.toBuilder().trainingJobStatus(end).secondaryStatus(last).transitions(ts)
          .trainingStartTime(created.plusSeconds(2)).trainingEndTime(ended).lastModifiedTime(ended)
          .trainingTime(seconds).billableTime(seconds).failureReason(reason)
          .kiln(r.kilnBuilder().metricHistory(history).roundsCompleted(rounds).attempts(1).build());
      if (end != TrainingJobStatus.Failed) {
        b.modelArtifacts(new JobRecord.ModelArtifacts("s3://bench/output/" + name + "/output/model.tar.gz"))
            .finalMetrics(List.of(new JobRecord.MetricData("train:auc", history.get(rounds - 1).metrics()
                .get("train:auc"), ended), new JobRecord.MetricData("validation:auc", history.get(rounds - 1)
                .metrics().get("validation:auc"), ended)));
      }
      store.writeLog(name, log.toString());
      store.save(b.build());
    }
    System.out.println("jobs: " + store.list().records().size() + " in " + store.root());
  }
}
