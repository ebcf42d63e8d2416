package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.record.JobRecords;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SageMaker CreateTrainingJob requests, as written for AWS, checked and mapped onto a Kiln job. */
class SageMakerRequestMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";

  static String skeleton() {
    try (InputStream in = SageMakerRequestMapperTest.class.getResourceAsStream(
        "/sagemaker/create-training-job-skeleton.json")) {
      assertThat(in).as("create-training-job-skeleton.json on the test classpath").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The skeleton request with one change applied. */
  static String skeletonWith(Consumer<ObjectNode> change) {
    try {
      ObjectNode request = (ObjectNode) JSON.readTree(skeleton());
      change.accept(request);
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode s3DataSource(ObjectNode request) {
    return (ObjectNode) request.at("/InputDataConfig/0/DataSource/S3DataSource");
  }

  static TrainingJobSpec map(String request) {
    return SpecReader.readTrainingJob(request, "request.json");
  }

  static String error(String request) {
    KilnException e = catchThrowableOfType(KilnException.class, () -> map(request));
    assertThat(e).as("mapping the request must fail").isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e.getMessage();
  }

  @Test
  void recognisesARequestByItsTrainingJobName() {
    assertThat(SpecReader.kind(SpecTree.parse(skeleton(), "request.json")))
        .isEqualTo(SpecReader.Kind.SAGEMAKER_TRAINING);
  }

  @Test
  void mapsTheCompleteSkeleton() {
    TrainingJobSpec spec = map(skeleton());

    assertThat(spec.name()).isEqualTo("skeleton-xgb-1");
    assertThat(spec.algorithm()).isEqualTo(new AlgorithmSpec("sagemaker-xgboost", XGBOOST_IMAGE, "File"));
    assertThat(spec.hyperparameters()).containsExactlyInAnyOrderEntriesOf(
        Map.of("num_round", "10", "objective", "binary:logistic", "max_depth", "3", "eta", "0.3"));
    assertThat(spec.channels()).containsExactly(new ChannelSpec("train", "s3://kiln-test/skeleton/train/", "text/csv",
        DataDistribution.FullyReplicated, ChannelSpec.Compression.None));
    assertThat(spec.outputPath()).isEqualTo("s3://kiln-test/skeleton/output/");
    // ml.m5.xlarge: 4 vCPUs, 16 GiB of which 80 % go to the executor
    assertThat(spec.resources()).isEqualTo(new ResourceSpec(2, 4, "12g", 0, "ml.m5.xlarge"));
    assertThat(spec.stoppingCondition()).isEqualTo(new StoppingCondition(3600, 7200L, 7200L));
    assertThat(spec.managedSpot()).isTrue();
    assertThat(spec.checkpoint())
        .isEqualTo(new CheckpointSpec("s3://kiln-test/skeleton/checkpoints/", "/opt/ml/checkpoints/", null));
    assertThat(spec.maxRetryAttempts()).isEqualTo(2);
    assertThat(spec.environment()).containsExactly(Map.entry("KILN_EXAMPLE", "1"));
    assertThat(spec.metricDefinitions()).containsExactly(new MetricDefinition("validation:auc",
        ".*\\[[0-9]+\\].*#011validation-auc:([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"));
  }

  /**
   * Issue 10 (newcomer): the notice is true of each field: those describe echoes (RoleArn ...) are
   * said to be kept for describe, and only the rest ignored.
   */
  @Test
  void reportsTheAwsOnlyFieldsOnceOnOneLineSayingWhichDescribeKeeps() {
    TrainingJobSpec spec = map(skeleton());
    List<String> notices = spec.notices();

    assertThat(notices).hasSize(1);
    String line = notices.get(0);
    String prefix = "Not applied on Spark (AWS-only fields of the SageMaker request): kept for describe: ";
    assertThat(line).startsWith(prefix + "RoleArn, ").doesNotContain("\n");
    String[] parts = line.substring(prefix.length()).split("; ignored: ");
    assertThat(parts).hasSize(2);
    java.util.function.Function<String, List<String>> names = text -> Arrays.stream(text.split(", "))
        .map(entry -> entry.split(" ", 2)[0]).toList();
    List<String> kept = names.apply(parts[0]);
    List<String> ignored = names.apply(parts[1]);
    assertThat(kept).containsExactlyInAnyOrder("RoleArn", "VpcConfig", "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption", "OutputDataConfig.KmsKeyId", "ResourceConfig.VolumeSizeInGB",
        "ResourceConfig.VolumeKmsKeyId");
    assertThat(ignored).containsExactlyInAnyOrder("Tags", "DebugHookConfig", "DebugRuleConfigurations",
        "TensorBoardOutputConfig", "ExperimentConfig", "ProfilerConfig", "ProfilerRuleConfigurations",
        "RemoteDebugConfig", "InfraCheckConfig", "SessionChainingConfig", "ServerlessJobConfig", "MlflowConfig",
        "ModelPackageConfig", "AlgorithmSpecification.ContainerEntrypoint",
        "AlgorithmSpecification.ContainerArguments", "AlgorithmSpecification.TrainingImageConfig",
        "InputDataConfig[train].S3DataSource.ModelAccessConfig",
        "InputDataConfig[train].S3DataSource.HubAccessConfig", "InputDataConfig[train].ShuffleConfig",
        "ResourceConfig.KeepAlivePeriodInSeconds", "ResourceConfig.TrainingPlanArn",
        "ResourceConfig.InstancePlacementConfig");
    // true of each: what is kept is in the request echo describe prints, what is ignored is not
    for (String k : kept) {
      assertThat(spec.requestEcho().at("/" + k.replace('.', '/')).isMissingNode()).as(k).isFalse();
    }
    for (String i : ignored) {
      assertThat(spec.requestEcho().at("/" + i.replace('.', '/')).isMissingNode()).as(i).isTrue();
    }
    assertThat(line).contains("InputDataConfig[train].ShuffleConfig (rows are assigned to workers deterministically)");
    // what Kiln does act on is not reported at all
    assertThat(line).doesNotContain("TrainingJobName", "HyperParameters", "EnableManagedSpotTraining",
        "CheckpointConfig", "RetryStrategy", "StoppingCondition", "Environment", "S3OutputPath", "InstanceCount");
  }

  @Test
  void aMinimalRequestHasNoNotices() {
    TrainingJobSpec spec = map("""
        {
          "TrainingJobName": "minimal-1",
          "AlgorithmSpecification": {"TrainingImage": "sagemaker-xgboost:1.7-1", "TrainingInputMode": "File"},
          "InputDataConfig": [{"ChannelName": "train",
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/train/"}}}],
          "OutputDataConfig": {"S3OutputPath": "s3://b/output/"}
        }
        """);

    assertThat(spec.notices()).isEmpty();
    assertThat(spec.resources()).isEqualTo(ResourceSpec.workers(1));
    assertThat(spec.stoppingCondition()).isEqualTo(StoppingCondition.defaults());
    assertThat(spec.managedSpot()).isFalse();
    assertThat(spec.maxRetryAttempts()).isZero();
    assertThat(spec.checkpoint()).isNull();
  }

  @Test
  void mapsAYamlRequest() {
    TrainingJobSpec spec = SpecReader.readTrainingJob("""
        # a CreateTrainingJob request written as YAML
        TrainingJobName: churn-yaml-3
        RoleArn: arn:aws:iam::111122223333:role/KilnSageMakerExecutionRole
        AlgorithmSpecification:
          TrainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
          TrainingInputMode: FastFile
        HyperParameters:
          eta: 0.10
          num_round: 50
          objective: reg:squarederror
        InputDataConfig:
          - ChannelName: train
            DataSource:
              S3DataSource:
                S3DataType: S3Prefix
                S3Uri: s3://churn/train/
                S3DataDistributionType: ShardedByS3Key
            ContentType: text/csv
            CompressionType: Gzip
          - ChannelName: validation
            DataSource:
              S3DataSource: {S3DataType: S3Prefix, S3Uri: s3://churn/validation/}
            ContentType: text/csv
        OutputDataConfig:
          S3OutputPath: s3://churn/output/
        ResourceConfig:
          InstanceType: ml.c5.2xlarge
          InstanceCount: 3
          VolumeSizeInGB: 30
        StoppingCondition:
          MaxRuntimeInSeconds: 1800
        RetryStrategy:
          MaximumRetryAttempts: 1
        """, "request.yaml");

    assertThat(spec.name()).isEqualTo("churn-yaml-3");
    assertThat(spec.algorithm()).isEqualTo(new AlgorithmSpec("sagemaker-xgboost", XGBOOST_IMAGE, "FastFile"));
    assertThat(spec.hyperparameters()).containsExactlyInAnyOrderEntriesOf(
        Map.of("eta", "0.10", "num_round", "50", "objective", "reg:squarederror"));
    assertThat(spec.channels()).containsExactly(
        new ChannelSpec("train", "s3://churn/train/", "text/csv", DataDistribution.ShardedByS3Key,
            ChannelSpec.Compression.Gzip),
        new ChannelSpec("validation", "s3://churn/validation/", "text/csv", DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None));
    assertThat(spec.outputPath()).isEqualTo("s3://churn/output/");
    assertThat(spec.resources()).isEqualTo(new ResourceSpec(3, 8, "12g", 0, "ml.c5.2xlarge"));
    assertThat(spec.stoppingCondition()).isEqualTo(new StoppingCondition(1800, null, null));
    assertThat(spec.maxRetryAttempts()).isEqualTo(1);
    assertThat(spec.notices()).containsExactly(
        "Not applied on Spark (AWS-only fields of the SageMaker request): kept for describe: RoleArn, "
            + "ResourceConfig.VolumeSizeInGB");
  }

  @Test
  void mapsAlgorithmNameWhenThereIsNoImage() {
    TrainingJobSpec spec = map(skeletonWith(r -> ((ObjectNode) r.get("AlgorithmSpecification"))
        .put("TrainingImage", "").put("AlgorithmName", "xgboost")));

    assertThat(spec.algorithm()).isEqualTo(new AlgorithmSpec("xgboost", null, "File"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "text/csv; label_size=0",
      "application/jsonlines",
      "application/x-recordio-protobuf",
      "image/jpeg; quality=\"high; really\"",
  })
  void anyContentTypeIsKeptAsWrittenForTheAlgorithmToCheck(String contentType) {
    TrainingJobSpec spec = map(skeletonWith(r -> ((ObjectNode) r.at("/InputDataConfig/0")).put("ContentType",
        contentType)));

    assertThat(spec.channels().get(0).contentType()).isEqualTo(contentType);
  }

  @Test
  void notesAnUncompressedModelOutputAsIgnored() {
    TrainingJobSpec spec = map(skeletonWith(r -> ((ObjectNode) r.get("OutputDataConfig")).put("CompressionType", "NONE")));

    assertThat(spec.notices().get(0))
        .contains("OutputDataConfig.CompressionType=NONE (Kiln always writes model.tar.gz)");
  }

  @Test
  void unknownTopLevelFieldSuggestsTheClosestMember() {
    String message = error(skeletonWith(r -> r.set("HyperParameter", r.remove("HyperParameters"))));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: unknown field 'HyperParameter'; did you mean "
        + "'HyperParameters'? (not a member of CreateTrainingJobRequest)");
  }

  @Test
  void unknownNestedFieldIsNamedByItsFullPath() {
    String message = error(skeletonWith(r -> {
      ObjectNode s3 = s3DataSource(r);
      s3.set("S3Uir", s3.remove("S3Uri"));
    }));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: unknown field "
        + "'InputDataConfig[0].DataSource.S3DataSource.S3Uir'; did you mean 'S3Uri'? (not a member of S3DataSource)");
  }

  @Test
  void unknownFieldInResourceConfigSuggestsTheMember() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("ResourceConfig")).put("InstanceCnt", 2)));

    assertThat(message).contains("unknown field 'ResourceConfig.InstanceCnt'; did you mean 'InstanceCount'?");
  }

  /**
   * Newcomer item 8: SageMaker's HyperParameters map names to strings, and boto3 / the AWS CLI refuse
   * a number there; so does Kiln for a SageMaker request, naming the key and the fix. Kiln's own spec
   * keeps taking numbers.
   */
  @Test
  void aHyperparameterGivenAsANumberIsRefusedInASageMakerRequestNamingTheKeyAndTheFix() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("HyperParameters")).put("num_round", 200)));
    assertThat(message).isEqualTo("Invalid SageMaker request request.json: 'HyperParameters.num_round' is 200, a "
        + "number, but SageMaker's API takes a string there (HyperParameters maps names to strings): write \"200\"");
    assertThat(error(skeletonWith(r -> ((ObjectNode) r.get("HyperParameters")).put("verbose", true))))
        .contains("'HyperParameters.verbose' is true, a boolean, but SageMaker's API takes a string there");
    // other string members too (Environment values); YAML plain scalars stay text as written (mapsAYamlRequest)
    assertThat(error(skeletonWith(r -> r.putObject("Environment").put("THREADS", 4))))
        .contains("'Environment.THREADS' is 4, a number, but SageMaker's API takes a string there: write \"4\"");
    // a quoted number is a string; numbers where the API takes numbers stay accepted
    assertThat(map(skeletonWith(r -> ((ObjectNode) r.get("HyperParameters")).put("num_round", "200")))
        .hyperparameters()).containsEntry("num_round", "200");
    assertThat(SpecReader.readTrainingJob("""
        {"name": "j", "algorithm": "xgboost", "hyperparameters": {"num_round": 200},
         "channels": [{"name": "train", "uri": "s3://b/t/"}], "outputPath": "s3://b/o/"}
        """, "kiln.json").hyperparameters()).containsEntry("num_round", "200");
  }

  @Test
  void wrongEnumValueListsTheValuesAndSuggestsOne() {
    String message = error(skeletonWith(r -> s3DataSource(r).put("S3DataDistributionType", "Sharded")));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: "
        + "'InputDataConfig[0].DataSource.S3DataSource.S3DataDistributionType' is 'Sharded'; expected one of "
        + "FullyReplicated, ShardedByS3Key; did you mean 'ShardedByS3Key'?");
  }

  @Test
  void trainingJobNameMustMatchSageMakersPattern() {
    String message = error(skeletonWith(r -> r.put("TrainingJobName", "skeleton_xgb_1")));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: 'TrainingJobName' is 'skeleton_xgb_1', "
        + "which does not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
  }

  @Test
  void trainingJobNameLongerThan63IsRefused() {
    String message = error(skeletonWith(r -> r.put("TrainingJobName", "x".repeat(64))));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: 'TrainingJobName' is too long: at most 63 "
        + "characters");
  }

  @Test
  void missingTrainingJobNameIsReportedAsSuch() {
    String request = skeletonWith(r -> r.remove("TrainingJobName"));

    assertThat(SpecReader.kind(SpecTree.parse(request, "request.json"))).isEqualTo(SpecReader.Kind.SAGEMAKER_TRAINING);
    assertThat(error(request)).isEqualTo("Invalid SageMaker request request.json: missing required field 'TrainingJobName'");
  }

  @Test
  void missingOutputDataConfigIsReported() {
    assertThat(error(skeletonWith(r -> r.remove("OutputDataConfig"))))
        .isEqualTo("Invalid SageMaker request request.json: missing required field 'OutputDataConfig'");
    assertThat(error(skeletonWith(r -> ((ObjectNode) r.get("OutputDataConfig")).remove("S3OutputPath"))))
        .isEqualTo("Invalid SageMaker request request.json: missing required field 'OutputDataConfig.S3OutputPath'");
  }

  @Test
  void bothTrainingImageAndAlgorithmNameAreRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("AlgorithmSpecification"))
        .put("AlgorithmName", "xgboost")));

    assertThat(message).isEqualTo("Invalid spec request.json: AlgorithmSpecification has both TrainingImage and "
        + "AlgorithmName; give one of them");
  }

  @Test
  void neitherTrainingImageNorAlgorithmNameIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("AlgorithmSpecification")).remove("TrainingImage")));

    assertThat(message).isEqualTo("Invalid spec request.json: AlgorithmSpecification needs TrainingImage or AlgorithmName");
  }

  @Test
  void missingAlgorithmSpecificationNamesAnImage() {
    String message = error(skeletonWith(r -> r.remove("AlgorithmSpecification")));

    assertThat(message).startsWith("Invalid spec request.json: missing required field 'AlgorithmSpecification': set "
        + "TrainingImage to a SageMaker built-in image");
  }

  @Test
  void mapsAManifestFileChannelAndDescribeEchoesIt() {
    TrainingJobSpec spec = map(skeletonWith(r -> s3DataSource(r).put("S3DataType", "ManifestFile")
        .put("S3Uri", "s3://kiln-test/skeleton/train.manifest")));

    assertThat(spec.channels()).containsExactly(new ChannelSpec("train", "s3://kiln-test/skeleton/train.manifest",
        "text/csv", DataDistribution.FullyReplicated, ChannelSpec.Compression.None, S3DataType.ManifestFile,
        List.of()));
    JsonNode echoed = JobRecords.describeEcho(spec).at("/InputDataConfig/0/DataSource/S3DataSource");
    assertThat(echoed.toString()).isEqualTo("{\"S3DataType\":\"ManifestFile\","
        + "\"S3Uri\":\"s3://kiln-test/skeleton/train.manifest\",\"S3DataDistributionType\":\"FullyReplicated\"}");
  }

  @Test
  void mapsAnAugmentedManifestChannelWithItsAttributeNamesInOrderAndDescribeEchoesThem() {
    TrainingJobSpec spec = map(skeletonWith(r -> {
      s3DataSource(r).put("S3DataType", "AugmentedManifestFile").put("S3Uri", "s3://kiln-test/skeleton/train.jsonl")
          .putArray("AttributeNames").add("source-ref").add("class");
      // SageMaker's setup for image algorithms: Pipe mode frames each attribute in RecordIO
      ((ObjectNode) r.at("/InputDataConfig/0")).put("RecordWrapperType", "RecordIO");
    }));

    ChannelSpec train = spec.channels().get(0);
    assertThat(train.dataType()).isEqualTo(S3DataType.AugmentedManifestFile);
    assertThat(train.attributeNames()).containsExactly("source-ref", "class");
    assertThat(spec.notices().get(0)).contains("InputDataConfig[train].RecordWrapperType=RecordIO (Kiln reads the "
        + "augmented manifest's attributes directly)");
    JsonNode echoed = JobRecords.describeEcho(spec).at("/InputDataConfig/0/DataSource/S3DataSource");
    assertThat(echoed.toString()).isEqualTo("{\"S3DataType\":\"AugmentedManifestFile\","
        + "\"S3Uri\":\"s3://kiln-test/skeleton/train.jsonl\",\"S3DataDistributionType\":\"FullyReplicated\","
        + "\"AttributeNames\":[\"source-ref\",\"class\"]}");
    assertThat(SpecJsonTest.roundTrip(spec)).isEqualTo(SpecJsonTest.withoutNotices(spec));
  }

  @Test
  void anAugmentedManifestWithoutAttributeNamesIsRefusedNamingBothSpellings() {
    String message = error(skeletonWith(r -> s3DataSource(r).put("S3DataType", "AugmentedManifestFile")
        .put("S3Uri", "s3://kiln-test/skeleton/train.jsonl")));

    assertThat(message).isEqualTo("Invalid spec request.json: Channel 'train' has dataType (S3DataType) "
        + "AugmentedManifestFile but no attributeNames (AttributeNames): list the attributes of each line the "
        + "algorithm reads, in order, e.g. [source-ref, class]");
  }

  @Test
  void attributeNamesOnAnotherDataTypeAreRefusedNamingBothSpellings() {
    String message = error(skeletonWith(r -> s3DataSource(r).putArray("AttributeNames").add("source-ref")));

    assertThat(message).isEqualTo("Invalid spec request.json: Channel 'train' sets attributeNames (AttributeNames), "
        + "which only an AugmentedManifestFile channel takes, but its dataType (S3DataType) is S3Prefix; remove "
        + "attributeNames or set dataType to AugmentedManifestFile");
  }

  @Test
  void aManifestUriEndingInASlashIsRefusedWithTheFix() {
    String message = error(skeletonWith(r -> s3DataSource(r).put("S3DataType", "ManifestFile")));

    assertThat(message).isEqualTo("Invalid spec request.json: Channel 'train' has dataType (S3DataType) ManifestFile, "
        + "but its uri (S3Uri) s3://kiln-test/skeleton/train/ ends with '/': name the manifest object itself "
        + "(e.g. s3://bucket/train.manifest), or use S3Prefix for the objects under a prefix");
  }

  @Test
  void aConverseChannelIsRefusedNamingTheDataTypesKilnReads() {
    String message = error(skeletonWith(r -> s3DataSource(r).put("S3DataType", "Converse")));

    assertThat(message).isEqualTo("Invalid spec request.json: channel 'train' has S3DataType Converse, which Kiln "
        + "does not read; use S3Prefix, ManifestFile, AugmentedManifestFile");
  }

  @Test
  void moreThanSixteenAttributeNamesAreRefusedByTheRequestShape() {
    String message = error(skeletonWith(r -> {
      ArrayNode names = s3DataSource(r).put("S3DataType", "AugmentedManifestFile")
          .put("S3Uri", "s3://kiln-test/skeleton/train.jsonl").putArray("AttributeNames");
      for (int i = 0; i < 17; i++) {
        names.add("a" + i);
      }
    }));

    assertThat(message).contains("InputDataConfig[0].DataSource.S3DataSource.AttributeNames").contains("16");
  }

  @Test
  void fileSystemDataSourceIsRefusedWithTheFix() {
    String message = error(skeletonWith(r -> {
      ObjectNode source = (ObjectNode) r.at("/InputDataConfig/0/DataSource");
      source.remove("S3DataSource");
      source.putObject("FileSystemDataSource").put("FileSystemId", "fs-0123456789abcdef0")
          .put("FileSystemAccessMode", "ro").put("FileSystemType", "EFS").put("DirectoryPath", "/churn/train");
    }));

    assertThat(message).isEqualTo("Invalid spec request.json: channel 'train' reads from FileSystemDataSource "
        + "(EFS / FSx), which Kiln cannot reach from Spark; copy the data to S3 and use S3DataSource");
  }

  @Test
  void recordIoChannelIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.at("/InputDataConfig/0")).put("RecordWrapperType", "RecordIO")));

    assertThat(message).isEqualTo("Invalid spec request.json: channel 'train' has RecordWrapperType RecordIO, which "
        + "Kiln does not read; use None");
  }

  @Test
  void instanceTypeSageMakerDoesNotKnowSuggestsOne() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("ResourceConfig")).put("InstanceType", "ml.m5.xlarg")));

    assertThat(message).isEqualTo("Invalid SageMaker request request.json: 'ResourceConfig.InstanceType' is "
        + "'ml.m5.xlarg'; not one of the 145 values SageMaker accepts here; did you mean 'ml.m5.xlarge'?");
  }

  @Test
  void instanceTypeOutsideKilnsTableIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("ResourceConfig")).put("InstanceType", "ml.trn1.2xlarge")));

    assertThat(message).startsWith("Invalid spec request.json: ResourceConfig.InstanceType 'ml.trn1.2xlarge' is not in "
        + "Kiln's instance table");
  }

  @Test
  void instanceGroupsAreRefused() {
    String message = error(skeletonWith(r -> {
      ObjectNode resources = (ObjectNode) r.get("ResourceConfig");
      resources.remove("InstanceType");
      resources.remove("InstanceCount");
      ArrayNode groups = resources.putArray("InstanceGroups");
      groups.addObject().put("InstanceType", "ml.m5.xlarge").put("InstanceCount", 1).put("InstanceGroupName", "cpu");
      groups.addObject().put("InstanceType", "ml.g5.xlarge").put("InstanceCount", 1).put("InstanceGroupName", "gpu");
    }));

    assertThat(message).isEqualTo("Invalid spec request.json: ResourceConfig.InstanceGroups (heterogeneous clusters) "
        + "is not supported; use InstanceType and InstanceCount");
  }

  @Test
  void zeroInstancesIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("ResourceConfig")).put("InstanceCount", 0)));

    assertThat(message).isEqualTo(
        "Invalid spec request.json: field 'ResourceConfig.InstanceCount' is 0; expected a whole number from 1 to 10000");
  }

  @Test
  void managedSpotWithoutMaxWaitIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("StoppingCondition")).remove("MaxWaitTimeInSeconds")));

    assertThat(message).isEqualTo("Invalid spec request.json: Job 'skeleton-xgb-1' uses managed spot but has no "
        + "stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds); set it to at least the maximum runtime, 3600");
  }

  @Test
  void maxWaitBelowMaxRuntimeIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("StoppingCondition")).put("MaxWaitTimeInSeconds", 1800)));

    assertThat(message).startsWith("Invalid spec request.json: Job 'skeleton-xgb-1' has stoppingCondition.maxWaitSeconds "
        + "(MaxWaitTimeInSeconds) 1800, below stoppingCondition.maxRuntimeSeconds (MaxRuntimeInSeconds) 3600;");
  }

  @Test
  void maxWaitWithoutManagedSpotIsRefused() {
    String message = error(skeletonWith(r -> r.put("EnableManagedSpotTraining", false)));

    assertThat(message).startsWith("Invalid spec request.json: Job 'skeleton-xgb-1' sets "
        + "stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds), which applies to managed spot jobs only;");
  }

  @Test
  void booleanMembersMustBeTrueOrFalse() {
    String message = error(skeletonWith(r -> r.put("EnableManagedSpotTraining", "yes")));

    assertThat(message).isEqualTo(
        "Invalid SageMaker request request.json: 'EnableManagedSpotTraining' is 'yes'; expected true or false");
  }

  @Test
  void retryAttemptsOutOfRangeAreRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.get("RetryStrategy")).put("MaximumRetryAttempts", 31)));

    assertThat(message).isEqualTo(
        "Invalid SageMaker request request.json: 'RetryStrategy.MaximumRetryAttempts' is 31; the largest allowed is 30");
  }

  @Test
  void metricRegexWithoutAGroupIsRefused() {
    String message = error(skeletonWith(r -> ((ObjectNode) r.at("/AlgorithmSpecification/MetricDefinitions/0"))
        .put("Regex", "validation-auc:[0-9.]+")));

    assertThat(message).isEqualTo("Invalid spec request.json: MetricDefinitions 'validation:auc': Regex "
        + "'validation-auc:[0-9.]+' has no capture group; put the value in parentheses, e.g. loss=(\\S+)");
  }

  @Test
  void duplicateChannelNamesAreRefused() {
    String message = error(skeletonWith(r -> {
      ArrayNode channels = (ArrayNode) r.get("InputDataConfig");
      channels.add(channels.get(0).deepCopy());
    }));

    assertThat(message)
        .isEqualTo("Invalid spec request.json: Job 'skeleton-xgb-1' names channel 'train' twice; channel names must be unique");
  }

  @ParameterizedTest
  @CsvSource({
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1, sagemaker-xgboost",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost, sagemaker-xgboost",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost@sha256:"
          + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, sagemaker-xgboost",
      "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1@sha256:"
          + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef, sagemaker-xgboost",
      "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1, linear-learner",
      "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-training:2.1.0-gpu-py310, pytorch-training",
      "localhost:5000/kiln-xgb:2, kiln-xgb",
      "localhost:5000/kiln-xgb, kiln-xgb",
      "sagemaker-xgboost:1.7-1, sagemaker-xgboost",
      "111122223333.dkr.ecr.us-east-1.amazonaws.com/Team/Churn-Model:3, churn-model",
  })
  void imageRepositoryDropsRegistryTagAndDigest(String image, String repository) {
    assertThat(SageMakerRequestMapper.imageRepository(image)).isEqualTo(repository);
  }
}
