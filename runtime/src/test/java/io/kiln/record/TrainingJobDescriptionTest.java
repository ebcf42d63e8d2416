package io.kiln.record;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spec.JobBuilder;
import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.testing.ServiceModelCheck;
import io.kiln.testing.ServiceModelCheck.Doc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The DescribeTrainingJob and ListTrainingJobs documents of records made as the runner makes them,
 * from both spec forms, against botocore's service model (the real jobs are in
 * TrainingJobLifecycleTest); and the check itself catches a broken document.
 */
@Tag("reference")
class TrainingJobDescriptionTest {
  static final Arns ARNS = Arns.from(java.util.Map.of(Arns.REGION, "eu-west-1", Arns.ACCOUNT, "123456789012"));
  static final Instant T0 = Instant.parse("2026-05-01T12:00:00Z");

  static JobRecord created(TrainingJobSpec spec) {
    return TrainingJobDescription.identified(JobRecords.created(spec, T0, "local[2]", "app-1", "127.0.0.1", 10, 30),
        ARNS, null);
  }

  @Test
  void aSageMakerRequestsMembersAreEchoedAndAKilnSpecGetsWhatClientsRead() throws Exception {
    TrainingJobSpec request = SpecReader.readTrainingJob(Files.readString(Path.of(System.getProperty(
        "kiln.repo.root"), "runtime/src/test/resources/sagemaker/create-training-job-skeleton.json")), "skeleton");
    ObjectNode fromRequest = TrainingJobDescription.describe(created(request), Arns.defaults());
    assertThat(fromRequest.get("TrainingJobArn").asText())
        .isEqualTo("arn:aws:sagemaker:eu-west-1:123456789012:training-job/skeleton-xgb-1");
    assertThat(fromRequest.get("RoleArn").asText()).isEqualTo("arn:aws:iam::111122223333:role/KilnSageMakerExecutionRole");
    assertThat(fromRequest.at("/ResourceConfig/VolumeSizeInGB").asInt()).isEqualTo(30);
    assertThat(fromRequest.at("/ResourceConfig/InstanceType").asText()).isEqualTo("ml.m5.xlarge");
    assertThat(fromRequest.at("/OutputDataConfig/KmsKeyId").asText()).startsWith("arn:aws:kms:us-east-1:111122223333:");
    // not trained yet: where the model will be, and Kiln says it is not there
    assertThat(fromRequest.at("/ModelArtifacts/S3ModelArtifacts").asText())
        .isEqualTo("s3://kiln-test/skeleton/output/skeleton-xgb-1/output/model.tar.gz");
    assertThat(fromRequest.at("/Kiln/ModelArtifactsWritten").asBoolean()).isFalse();

    TrainingJobSpec kiln = JobBuilder.named("kiln-form").algorithm("xgboost").hyperparameter("num_round", 5)
        .channel("train", "s3://b/train/", "text/csv").outputPath("s3://b/out/").workers(2).coresPerWorker(6)
        .memoryPerWorker("20g").build();
    JobRecord done = created(kiln).toBuilder().trainingJobStatus(TrainingJobStatus.Completed)
        .secondaryStatus(SecondaryStatus.Completed).modelArtifacts(new JobRecord.ModelArtifacts(
            "s3://b/out/kiln-form/output/model.tar.gz")).trainingStartTime(T0).trainingEndTime(T0.plusSeconds(9))
        .trainingTime(9L).billableTime(9L).build();
    ObjectNode fromKiln = TrainingJobDescription.describe(done, Arns.defaults());
    assertThat(fromKiln.get("RoleArn").asText()).isEqualTo("arn:aws:iam::123456789012:role/kiln");
    assertThat(fromKiln.at("/ResourceConfig/VolumeSizeInGB").asInt()).isEqualTo(30);
    // 6 cores and 20g per worker: ml.m5.2xlarge (8 vCPUs, 32 GiB of which 25g for the executor)
    assertThat(fromKiln.at("/ResourceConfig/InstanceType").asText()).isEqualTo("ml.m5.2xlarge");
    assertThat(fromKiln.at("/OutputDataConfig/KmsKeyId").asText()).isEmpty();
    assertThat(fromKiln.at("/Kiln/ModelArtifactsWritten").asBoolean()).isTrue();
    assertThat(fromKiln.at("/Kiln/Algorithm").asText()).isEqualTo("xgboost");

    // a record written before Kiln kept ARNs gets them from the reader's settings
    JobRecord old = done.toBuilder().trainingJobArn(null).roleArn(null).build();
    assertThat(TrainingJobDescription.describe(old, Arns.defaults()).get("TrainingJobArn").asText())
        .isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:training-job/kiln-form");

    ObjectNode list = TrainingJobQuery.response(new TrainingJobQuery.Page(List.of(done, created(request)), "tok"),
        Arns.defaults());
    ServiceModelCheck.assertValid(List.of(
        new Doc("request, InProgress", "DescribeTrainingJob", fromRequest, "Estimator"),
        new Doc("kiln spec, Completed", "DescribeTrainingJob", fromKiln, "Estimator"),
        new Doc("older record", "DescribeTrainingJob", TrainingJobDescription.describe(old, Arns.defaults()),
            "Estimator"),
        new Doc("list", "ListTrainingJobs", list, null)));
  }

  @Test
  void theCheckCatchesAMissingRequiredMemberAWrongTypeAnUnknownMemberAndAMissingAttachKey() {
    JobRecord r = created(JobBuilder.named("broken").algorithm("xgboost").hyperparameter("num_round", 5)
        .channel("train", "s3://b/train/", "text/csv").outputPath("s3://b/out/").build());
    ObjectNode doc = TrainingJobDescription.describe(r, Arns.defaults());
    doc.remove("TrainingJobArn");
    doc.put("TrainingTimeInSeconds", "12");
    doc.put("TrainingJobOwner", "me");
    ((ObjectNode) doc.get("ResourceConfig")).remove("InstanceType");
    JsonNode answer = ServiceModelCheck.check(List.of(new Doc("broken", "DescribeTrainingJob", doc, "Estimator")));
    JsonNode result = answer.get("results").get(0);
    assertThat(result.get("errors").toString()).contains("Missing required parameter in input: \\\"TrainingJobArn\\\"")
        .contains("TrainingTimeInSeconds").contains("Unknown parameter in input: \\\"TrainingJobOwner\\\"");
    assertThat(result.get("missingAttachKeys").toString()).contains("TrainingJobArn", "ResourceConfig.InstanceType");
  }
}
