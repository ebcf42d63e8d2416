package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln tune}, {@code describe-tuning}, {@code list-trials}, {@code list} and {@code stop}
 * on real XGBoost trials: the example SageMaker CreateHyperParameterTuningJob request, as written
 * for AWS, tunes XGBoost on the breast cancer data read from the S3 server.
 */
@Tag("spark")
@Tag("s3")
class KilnTuneCliTest {
  static S3Server s3;
  static Map<String, String> env;
  static Path repo;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    s3 = S3Server.get();
    s3.bucket("kiln");
    env = new LinkedHashMap<>(s3.environment());
    repo = Path.of(System.getProperty("kiln.repo.root"));
    env.put("KILN_CONF_DIR", repo.resolve("conf").toString());
    Configuration hadoop = new Configuration();
    Map<String, String> s3a = new LinkedHashMap<>(io.kiln.storage.S3Settings.defaults());
    s3a.putAll(io.kiln.storage.S3Settings.fromEnvironment(env));
    s3a.forEach((k, v) -> hadoop.set(k.substring("spark.hadoop.".length()), v));
    List<String> rows = SharedData.breastCancer();
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      (i % 5 == 4 ? validation : train).add(rows.get(i));
    }
    S3Files.write(hadoop, "s3a://kiln/quickstart/train/part-0.csv", train);
    S3Files.write(hadoop, "s3a://kiln/quickstart/validation/part-0.csv", validation);
  }

  record Run(int exit, String out, String err) {}

  static Run kiln(String jobRoot, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--job-root");
    all.add(jobRoot);
    int exit = Kiln.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void theSageMakerTuningRequestTunesXGBoostWithParallelTrialsAndEarlyStopping() throws Exception {
    String root = TestSpark.tempDir("kiln-tune-cli-").toUri().toString();
    Run tune = kiln(root, "tune", repo.resolve("conf/examples/sagemaker-create-tuning-job.json").toString(),
        "--master", "local[4]");
    assertThat(tune.exit).as(tune.out + tune.err).isZero();
    String name = JSON.readTree(Files.readString(repo.resolve("conf/examples/sagemaker-create-tuning-job.json")))
        .get("HyperParameterTuningJobName").asText();
    assertThat(tune.out).contains(name + " Completed; best trial " + name + "-");

    JsonNode d = JSON.readTree(kiln(root, "describe-tuning", name, "--json").out);
    assertThat(d.get("HyperParameterTuningJobStatus").asText()).isEqualTo("Completed");
    assertThat(d.at("/HyperParameterTuningJobConfig/Strategy").asText()).isEqualTo("Bayesian");
    assertThat(d.at("/HyperParameterTuningJobConfig/HyperParameterTuningJobObjective/MetricName").asText())
        .isEqualTo("validation:auc");
    int trials = d.at("/Kiln/Trials").size();
    assertThat(trials).isBetween(7, 12);
    JsonNode counters = d.get("TrainingJobStatusCounters");
    assertThat(counters.get("Completed").asInt() + counters.get("Stopped").asInt()).isEqualTo(trials);
    // a trial the completion criterion stopped before its first round has no objective: it counts Failed
    assertThat(d.at("/ObjectiveStatusCounters/Succeeded").asInt() + d.at("/ObjectiveStatusCounters/Failed").asInt())
        .isEqualTo(trials);
    assertThat(d.at("/ObjectiveStatusCounters/Succeeded").asInt()).isGreaterThanOrEqualTo(trials - 1);
    assertThat(d.at("/BestTrainingJob/FinalHyperParameterTuningJobObjectiveMetric/Value").asDouble())
        .isGreaterThan(0.97);
    assertThat(d.at("/BestTrainingJob/TunedHyperParameters").has("max_depth")).isTrue();
    assertThat(d.has("TuningJobCompletionDetails")).isTrue();
    assertThat(d.at("/TrainingJobDefinition/StaticHyperParameters/num_round").asText()).isEqualTo("50");
    // two 2-worker trials ran at once on 4 slots
    boolean overlapped = false;
    JsonNode ts = d.at("/Kiln/Trials");
    for (int i = 0; i < ts.size() && !overlapped; i++) {
      for (int j = i + 1; j < ts.size(); j++) {
        if (ts.get(i).get("CreationTime").asText().compareTo(ts.get(j).get("EndTime").asText()) < 0
            && ts.get(j).get("CreationTime").asText().compareTo(ts.get(i).get("EndTime").asText()) < 0) {
          overlapped = true;
          break;
        }
      }
    }
    assertThat(overlapped).as("trials ran in parallel").isTrue();

    Run trialsTable = kiln(root, "list-trials", name);
    assertThat(trialsTable.out).contains("TRAINING JOB", name + "-001-").contains("Succeeded");
    Run list = kiln(root, "list");
    assertThat(list.out).contains("TUNING JOB").containsPattern(name + "\\s+Completed");
    Run best = kiln(root, "describe", d.at("/BestTrainingJob/TrainingJobName").asText(), "--json");
    assertThat(JSON.readTree(best.out).at("/Kiln/TuningJobName").asText()).isEqualTo(name);
    // the request's TrainingImage is echoed: the SDK's HyperparameterTuner.attach finds every key it reads
    assertThat(d.at("/TrainingJobDefinition/AlgorithmSpecification/TrainingImage").asText()).contains("xgboost");
    io.kiln.testing.ServiceModelCheck.assertValid(List.of(
        new io.kiln.testing.ServiceModelCheck.Doc("SageMaker tuning request, Completed",
            "DescribeHyperParameterTuningJob", d, "HyperparameterTuner"),
        new io.kiln.testing.ServiceModelCheck.Doc("best trial", "DescribeTrainingJob", JSON.readTree(best.out),
            "Estimator")));
  }

  @Test
  void stoppingATuningJobFromAnotherCommandStopsItWithExitThree() throws Exception {
    Path rootDir = TestSpark.tempDir("kiln-tune-stop-");
    String root = rootDir.toUri().toString();
    Path spec = rootDir.resolve("tune-stop.yaml");
    Files.writeString(spec, Files.readString(repo.resolve("conf/examples/tune-xgboost.yaml"))
        .replace("name: tune-xgboost", "name: tune-cli-stop").replace("num_round: 50", "num_round: 100000")
        .replace("earlyStopping: Auto", "earlyStopping: Off"));
    CompletableFuture<Run> running = CompletableFuture.supplyAsync(() -> kiln(root, "tune", spec.toString(),
        "--master", "local[2]"));
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      Run d = kiln(root, "describe-tuning", "tune-cli-stop", "--json");
      if (d.exit == 0 && JSON.readTree(d.out).at("/Kiln/Trials").size() >= 1) {
        break;
      }
      Thread.sleep(300);
    }
    Run stop = kiln(root, "stop", "tune-cli-stop");
    assertThat(stop.exit).isZero();
    assertThat(stop.out).contains("Stop requested for tuning job tune-cli-stop");
    Run result = running.get(180, TimeUnit.SECONDS);
    assertThat(result.exit).as(result.out + result.err).isEqualTo(3);
    JsonNode d = JSON.readTree(kiln(root, "describe-tuning", "tune-cli-stop", "--json").out);
    assertThat(d.get("HyperParameterTuningJobStatus").asText()).isEqualTo("Stopped");
    assertThat(d.at("/TrainingJobStatusCounters/Stopped").asInt()).isEqualTo(d.at("/Kiln/Trials").size());
  }

  @Test
  void aBadTuningSpecExitsTwo() throws Exception {
    Path rootDir = TestSpark.tempDir("kiln-tune-bad-");
    String root = rootDir.toUri().toString();
    Path spec = rootDir.resolve("tune-bad.yaml");
    Files.writeString(spec, Files.readString(repo.resolve("conf/examples/tune-xgboost.yaml"))
        .replace("strategy: Bayesian", "strategy: Grid"));
    Run r = kiln(root, "tune", spec.toString());
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("Grid");
  }
}
