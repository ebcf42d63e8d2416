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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
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
 * The {@code kiln} command end to end, as users and scripts call it: specs in both forms, exit codes,
 * describe --json in DescribeTrainingJob's shape, list, logs, stop. Each train starts (and stops)
 * its own local Spark session, as the command does.
 */
@Tag("spark")
@Tag("s3")
class KilnCliTest {
  static S3Server s3;
  static Map<String, String> env;
  static Path dir;
  static String jobRoot;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    s3 = S3Server.get();
    s3.bucket("kiln-cli");
    s3.bucket("kiln-test");
    env = new LinkedHashMap<>(s3.environment());
    env.put("KILN_CONF_DIR", Path.of(System.getProperty("kiln.repo.root"), "conf").toString());
    dir = TestSpark.tempDir("kiln-cli-");
    jobRoot = dir.resolve("jobs").toUri().toString();
    Configuration hadoop = new Configuration();
    // the same s3a settings the command uses: Hadoop caches one filesystem per bucket, made with the
    // first configuration that asks
    Map<String, String> s3a = new LinkedHashMap<>(io.kiln.storage.S3Settings.defaults());
    s3a.putAll(io.kiln.storage.S3Settings.fromEnvironment(env));
    s3a.forEach((k, v) -> hadoop.set(k.substring("spark.hadoop.".length()), v));
    List<String> rows = SharedData.breastCancer();
    List<String> train = new ArrayList<>();
    List<String> validation = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      (i % 5 == 4 ? validation : train).add(rows.get(i));
    }
    S3Files.write(hadoop, "s3a://kiln-cli/bc/train/part-0.csv", train);
    S3Files.write(hadoop, "s3a://kiln-cli/bc/validation/part-0.csv", validation);
    S3Files.write(hadoop, "s3a://kiln-test/skeleton/train/part-0.csv", train);
  }

  record Run(int exit, String out, String err) {}

  static Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--job-root")) {
      all.add("--job-root");
      all.add(jobRoot);
    }
    int exit = Kiln.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true), env);
    return new Run(exit, out.toString(), err.toString());
  }

  static Path spec(String name, String text) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  static final String YAML_SPEC = """
      name: %s
      algorithm: xgboost
      hyperparameters:
        num_round: %s
        objective: binary:logistic
        eta: 0.30
        max_depth: 3
        eval_metric: auc
      channels:
        - name: train
          uri: s3://kiln-cli/bc/train/
          contentType: text/csv
        - name: validation
          uri: s3://kiln-cli/bc/validation/
          contentType: text/csv
      outputPath: s3://kiln-cli/output/
      resources:
        workers: 2
      """;

  @Test
  void trainDescribeListAndLogsAsAUserWould() throws Exception {
    Path spec = spec("cli-ok.yaml", YAML_SPEC.formatted("cli-ok", "8"));
    Run train = kiln("train", spec.toString(), "--master", "local[2]");
    assertThat(train.exit).as(train.err).isZero();
    assertThat(train.out).contains("cli-ok [Training]", "cli-ok Completed; model: s3://kiln-cli/output/cli-ok/output/model.tar.gz");

    Run describe = kiln("describe", "cli-ok", "--json");
    assertThat(describe.exit).isZero();
    JsonNode d = JSON.readTree(describe.out);
    assertThat(fieldNames(d)).containsSubsequence("TrainingJobName", "TrainingJobStatus", "SecondaryStatus",
        "ModelArtifacts", "HyperParameters", "AlgorithmSpecification", "InputDataConfig", "OutputDataConfig",
        "ResourceConfig", "StoppingCondition", "CreationTime", "TrainingStartTime", "TrainingEndTime",
        "LastModifiedTime", "SecondaryStatusTransitions", "FinalMetricDataList", "TrainingTimeInSeconds",
        "BillableTimeInSeconds", "Kiln");
    assertThat(d.has("FailureReason")).isFalse();
    assertThat(d.get("TrainingJobStatus").asText()).isEqualTo("Completed");
    assertThat(d.get("HyperParameters").get("eta").asText()).isEqualTo("0.30");
    assertThat(d.get("ModelArtifacts").get("S3ModelArtifacts").asText())
        .isEqualTo("s3://kiln-cli/output/cli-ok/output/model.tar.gz");
    assertThat(d.get("InputDataConfig").get(0).get("DataSource").get("S3DataSource").get("S3Uri").asText())
        .isEqualTo("s3://kiln-cli/bc/train/");
    assertThat(d.get("ResourceConfig").get("InstanceCount").asInt()).isEqualTo(2);
    assertThat(d.get("CreationTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00");
    assertThat(d.get("FinalMetricDataList").findValuesAsText("MetricName")).contains("train:auc", "validation:auc");
    assertThat(d.get("Kiln").get("SparkMaster").asText()).isEqualTo("local[2]");
    assertThat(d.get("Kiln").get("MetricHistory")).hasSize(8);

    Run list = kiln("list");
    assertThat(list.exit).isZero();
    assertThat(list.out).contains("NAME", "cli-ok").containsPattern("cli-ok\\s+Completed\\s+Completed");
    Run logs = kiln("logs", "cli-ok");
    assertThat(logs.out).contains("[7]\ttrain-auc:", "validation-auc:", "[Completed] Training job completed");
    Run human = kiln("describe", "cli-ok");
    assertThat(human.out).contains("TrainingJobStatus: Completed (Completed)", "Metric:            validation:auc");
  }

  @Test
  void aSageMakerRequestRunsAsWrittenForAws() throws Exception {
    String skeleton = Files.readString(Path.of(System.getProperty("kiln.repo.root"),
        "runtime/src/test/resources/sagemaker/create-training-job-skeleton.json"));
    Path request = spec("skeleton.json", skeleton);
    Run train = kiln("train", request.toString(), "--master", "local[2]");
    assertThat(train.exit).as(train.out + train.err).isZero();
    assertThat(train.out).containsOnlyOnce("notice: Not applied on Spark (AWS-only fields of the SageMaker request): kept "
        + "for describe: RoleArn");
    // the skeleton defines validation:auc for a job with a train channel only: accepted, said once
    assertThat(train.out).containsOnlyOnce("MetricDefinitions 'validation:auc' will have no values: xgboost emits it "
        + "only with a channel this job does not have (it has train)");
    assertThat(kiln("describe", "skeleton-xgb-1").out)
        .contains("Notice:            MetricDefinitions 'validation:auc' will have no values");
    JsonNode d = JSON.readTree(kiln("describe", "skeleton-xgb-1", "--json").out);
    assertThat(d.get("AlgorithmSpecification").get("TrainingImage").asText()).endsWith("/sagemaker-xgboost:1.7-1");
    assertThat(d.get("ResourceConfig").get("InstanceType").asText()).isEqualTo("ml.m5.xlarge");
    assertThat(d.get("EnableManagedSpotTraining").asBoolean()).isTrue();
    assertThat(d.get("Kiln").get("CoresPerWorker").asInt()).isEqualTo(4);
    // the request's members DescribeTrainingJob echoes, though Kiln does not act on them
    assertThat(d.get("RoleArn").asText()).isEqualTo("arn:aws:iam::111122223333:role/KilnSageMakerExecutionRole");
    assertThat(d.at("/ResourceConfig/VolumeSizeInGB").asInt()).isEqualTo(30);
    assertThat(d.at("/OutputDataConfig/KmsKeyId").asText()).startsWith("arn:aws:kms:");
    assertThat(d.get("TrainingJobArn").asText())
        .isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:training-job/skeleton-xgb-1");
    io.kiln.testing.ServiceModelCheck.assertValid(List.of(new io.kiln.testing.ServiceModelCheck.Doc(
        "SageMaker request, XGBoost, Completed", "DescribeTrainingJob", d, "Estimator")));
  }

  @Test
  void badSpecExitsTwoWithoutCreatingAJob() throws Exception {
    Path spec = spec("bad.yaml", YAML_SPEC.formatted("cli-bad", "3").replace("hyperparameters:", "hyperparameter:"));
    Run train = kiln("train", spec.toString());
    assertThat(train.exit).isEqualTo(2);
    assertThat(train.err).contains("unknown field 'hyperparameter'; did you mean 'hyperparameters'?");
    Run missing = kiln("describe", "cli-bad");
    assertThat(missing.exit).isEqualTo(Kiln.EXIT_NO_SUCH_JOB);
    assertThat(missing.err).contains("ResourceNotFound: no training job named 'cli-bad'");
  }

  @Test
  void badHyperparameterExitsTwoAndDataErrorsExitOne() throws Exception {
    Path spec = spec("badhp.yaml", YAML_SPEC.formatted("cli-badhp", "0"));
    Run train = kiln("train", spec.toString(), "--master", "local[2]");
    assertThat(train.exit).isEqualTo(2);
    assertThat(train.err).contains("cli-badhp Failed: ClientError: Hyperparameter num_round=0 is not valid");
    Path missing = spec("missing.yaml", YAML_SPEC.formatted("cli-missing", "3").replace("bc/train/", "nope/"));
    Run missingRun = kiln("train", missing.toString(), "--master", "local[2]");
    assertThat(missingRun.exit).isEqualTo(1);
    assertThat(missingRun.err).contains("nothing matches the prefix s3://kiln-cli/nope/");
  }

  @Test
  void duplicateNameExitsTwo() throws Exception {
    Path spec = spec("dup.yaml", YAML_SPEC.formatted("cli-dup", "2"));
    assertThat(kiln("train", spec.toString(), "--master", "local[2]").exit).isZero();
    Run again = kiln("train", spec.toString(), "--master", "local[2]");
    assertThat(again.exit).isEqualTo(2);
    assertThat(again.err).contains("ResourceInUse");
  }

  @Test
  void stopEndsARunningJobWithExitThreeAndKeepsTheModel() throws Exception {
    // rounds it cannot finish in the life of the test, and a beat a second (the CLI's default is 10 s):
    // the record shows the rounds, and the stop is read, within seconds
    Path spec = spec("stop.yaml", YAML_SPEC.formatted("cli-stop", "100000000").replace("max_depth: 3",
        "max_depth: 2"));
    CompletableFuture<Run> train = CompletableFuture.supplyAsync(() -> kiln("train", spec.toString(), "--master",
        "local[2]", "--conf", "spark.kiln.heartbeat.interval-seconds=1"));
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      Run d = kiln("describe", "cli-stop", "--json");
      if (d.exit == 0 && JSON.readTree(d.out).path("Kiln").path("RoundsCompleted").asInt() >= 3) {
        break;
      }
      Thread.sleep(200);
    }
    Run stop = kiln("stop", "cli-stop");
    assertThat(stop.exit).isZero();
    assertThat(stop.out).contains("Stop requested for cli-stop");
    Run result = train.get(120, TimeUnit.SECONDS);
    assertThat(result.exit).as(result.err).isEqualTo(3);
    assertThat(result.out).contains("cli-stop Stopped (Stopped)", "model: s3://kiln-cli/output/cli-stop/output/model.tar.gz");
    JsonNode d = JSON.readTree(kiln("describe", "cli-stop", "--json").out);
    assertThat(d.get("TrainingJobStatus").asText()).isEqualTo("Stopped");
    assertThat(d.get("SecondaryStatusTransitions").findValuesAsText("Status")).contains("Stopping", "Stopped");
  }

  @Test
  void jobRecordsCanLiveOnS3AndBeReadFromAnotherCommand() throws Exception {
    Path spec = spec("s3root.yaml", YAML_SPEC.formatted("cli-s3root", "2"));
    Run train = kiln("train", spec.toString(), "--master", "local[2]", "--job-root", "s3://kiln-cli/jobs");
    assertThat(train.exit).as(train.err).isZero();
    Run describe = kiln("describe", "cli-s3root", "--json", "--job-root", "s3://kiln-cli/jobs");
    assertThat(JSON.readTree(describe.out).get("TrainingJobStatus").asText()).isEqualTo("Completed");
    assertThat(kiln("list", "--job-root", "s3://kiln-cli/jobs").out).contains("cli-s3root");
    // issue 10: the root is named as given (s3://, not the s3a:// Kiln reads through), and a job that
    // ended cannot be stopped (SageMaker's ValidationException, exit 2)
    Run none = kiln("describe", "no-such", "--job-root", "s3://kiln-cli/jobs");
    assertThat(none.exit).isEqualTo(4);
    assertThat(none.err).isEqualTo("kiln: ResourceNotFound: no training job named 'no-such' in s3://kiln-cli/jobs"
        + " (see 'kiln list --job-root s3://kiln-cli/jobs')\n");
    // a job root whose bucket does not exist is said so, not taken for a root without that job
    for (String[] command : new String[][] {{"describe", "no-such"}, {"list"}, {"logs", "no-such"}}) {
      String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command),
          java.util.stream.Stream.of("--job-root", "s3://kiln-no-such-bucket/jobs")).toArray(String[]::new);
      Run noBucket = kiln(args);
      assertThat(noBucket.exit).as(command[0]).isEqualTo(2);
      assertThat(noBucket.err).as(command[0]).isEqualTo("kiln: The bucket of the job root "
          + "s3://kiln-no-such-bucket/jobs does not exist; create it or fix the URI\n");
    }
    Run stopEnded = kiln("stop", "cli-s3root", "--job-root", "s3://kiln-cli/jobs");
    assertThat(stopEnded.exit).isEqualTo(2);
    assertThat(stopEnded.err).startsWith("kiln: ValidationException: The request was rejected because the training "
        + "job is in status Completed;");
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(kiln("train").exit).isEqualTo(2);
    assertThat(kiln("frobnicate").exit).isEqualTo(2);
    Run missing = kiln("train", dir.resolve("no-such-spec.yaml").toString());
    assertThat(missing.exit).isEqualTo(2);
    assertThat(missing.err).contains("does not exist");
  }

  static List<String> fieldNames(JsonNode n) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
