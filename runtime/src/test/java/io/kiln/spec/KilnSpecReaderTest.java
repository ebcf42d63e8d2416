package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.DataDistribution;
import io.kiln.spi.S3DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kiln's own job spec, read from JSON and YAML: every field, the defaults, values kept as written. */
class KilnSpecReaderTest {

  static final String FULL_JSON = """
      {
        "name": "churn-xgb-7",
        "algorithm": {
          "name": "xgboost",
          "trainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
          "inputMode": "FastFile"
        },
        "hyperparameters": {"num_round": 100, "eta": 0.10, "objective": "binary:logistic", "max_depth": 6},
        "channels": [
          {"name": "train", "uri": "s3://churn/train/", "contentType": "text/csv",
           "distribution": "ShardedByS3Key", "compression": "Gzip"},
          {"name": "validation", "uri": "file:///data/churn/validation/", "contentType": "application/x-parquet",
           "distribution": "FullyReplicated", "compression": "None"}
        ],
        "outputPath": "s3://churn/output/",
        "resources": {"workers": 3, "coresPerWorker": 2, "memoryPerWorker": "6g", "gpusPerWorker": 0,
                      "instanceType": "ml.m5.xlarge"},
        "stoppingCondition": {"maxRuntimeSeconds": 3600, "maxWaitSeconds": 7200, "maxPendingSeconds": 900},
        "checkpoint": {"uri": "s3://churn/checkpoints/", "localPath": "/tmp/kiln/checkpoints", "intervalRounds": 10},
        "managedSpot": true,
        "environment": {"LOG_LEVEL": "debug", "OMP_NUM_THREADS": 2},
        "metricDefinitions": [{"name": "validation:auc", "regex": "validation-auc:([0-9.]+)"}],
        "retry": {"maximumAttempts": 3}
      }
      """;

  static final String FULL_YAML = """
      # the same job as FULL_JSON, written as YAML
      name: churn-xgb-7
      algorithm:
        name: xgboost
        trainingImage: 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1
        inputMode: FastFile
      hyperparameters:
        num_round: 100
        eta: 0.10
        objective: binary:logistic
        max_depth: 6
      channels:
        - name: train
          uri: s3://churn/train/
          contentType: text/csv
          distribution: ShardedByS3Key
          compression: Gzip
        - name: validation
          uri: file:///data/churn/validation/
          contentType: application/x-parquet
          distribution: FullyReplicated
          compression: None
      outputPath: s3://churn/output/
      resources:
        workers: 3
        coresPerWorker: 2
        memoryPerWorker: 6g
        gpusPerWorker: 0
        instanceType: ml.m5.xlarge
      stoppingCondition:
        maxRuntimeSeconds: 3600
        maxWaitSeconds: 7200
        maxPendingSeconds: 900
      checkpoint:
        uri: s3://churn/checkpoints/
        localPath: /tmp/kiln/checkpoints
        intervalRounds: 10
      managedSpot: true
      environment:
        LOG_LEVEL: debug
        OMP_NUM_THREADS: 2
      metricDefinitions:
        - name: validation:auc
          regex: validation-auc:([0-9.]+)
      retry:
        maximumAttempts: 3
      """;

  static final String MINIMAL = """
      name: churn-1
      algorithm: xgboost
      channels:
        - name: train
          uri: s3://churn/train/
      outputPath: s3://churn/output/
      """;

  static final TrainingJobSpec FULL = new TrainingJobSpec(
      "churn-xgb-7",
      new AlgorithmSpec("xgboost", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", "FastFile"),
      Map.of("num_round", "100", "eta", "0.10", "objective", "binary:logistic", "max_depth", "6"),
      List.of(
          new ChannelSpec("train", "s3://churn/train/", "text/csv", DataDistribution.ShardedByS3Key,
              ChannelSpec.Compression.Gzip),
          new ChannelSpec("validation", "file:///data/churn/validation/", "application/x-parquet",
              DataDistribution.FullyReplicated, ChannelSpec.Compression.None)),
      "s3://churn/output/",
      new ResourceSpec(3, 2, "6g", 0, "ml.m5.xlarge"),
      new StoppingCondition(3600, 7200L, 900L),
      new CheckpointSpec("s3://churn/checkpoints/", "/tmp/kiln/checkpoints", 10),
      true,
      Map.of("LOG_LEVEL", "debug", "OMP_NUM_THREADS", "2"),
      List.of(new MetricDefinition("validation:auc", "validation-auc:([0-9.]+)")),
      3,
      List.of());

  static TrainingJobSpec read(String text) {
    return SpecReader.readTrainingJob(text, "job.yaml");
  }

  @Test
  void readsEveryFieldOfAJsonSpec() {
    assertThat(SpecReader.readTrainingJob(FULL_JSON, "job.json")).isEqualTo(FULL);
  }

  @Test
  void readsEveryFieldOfAYamlSpec() {
    assertThat(read(FULL_YAML)).isEqualTo(FULL);
  }

  @Test
  void recognisesBothFormsAsKilnTrainingSpecs() {
    assertThat(SpecReader.kind(SpecTree.parse(FULL_JSON, "job.json"))).isEqualTo(SpecReader.Kind.KILN_TRAINING);
    assertThat(SpecReader.kind(SpecTree.parse(FULL_YAML, "job.yaml"))).isEqualTo(SpecReader.Kind.KILN_TRAINING);
  }

  @Test
  void fillsDefaultsForEverythingOptional() {
    TrainingJobSpec spec = read(MINIMAL);

    assertThat(spec.name()).isEqualTo("churn-1");
    assertThat(spec.algorithm()).isEqualTo(new AlgorithmSpec("xgboost", null, "File"));
    assertThat(spec.hyperparameters()).isEmpty();
    assertThat(spec.channels()).containsExactly(
        new ChannelSpec("train", "s3://churn/train/", null, DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None));
    assertThat(spec.outputPath()).isEqualTo("s3://churn/output/");
    assertThat(spec.resources()).isEqualTo(new ResourceSpec(1, null, null, 0, null));
    assertThat(spec.stoppingCondition()).isEqualTo(new StoppingCondition(86_400, null, null));
    assertThat(spec.checkpoint()).isNull();
    assertThat(spec.checkpointSpec()).isEmpty();
    assertThat(spec.managedSpot()).isFalse();
    assertThat(spec.environment()).isEmpty();
    assertThat(spec.metricDefinitions()).isEmpty();
    assertThat(spec.maxRetryAttempts()).isZero();
    assertThat(spec.notices()).isEmpty();
  }

  @Test
  void fillsDefaultsInsideGivenSections() {
    TrainingJobSpec spec = read(MINIMAL + """
        resources:
          coresPerWorker: 3
        stoppingCondition:
          maxPendingSeconds: 60
        checkpoint:
          uri: s3://churn/checkpoints/
        retry: {}
        """);

    assertThat(spec.resources()).isEqualTo(new ResourceSpec(1, 3, null, 0, null));
    assertThat(spec.stoppingCondition()).isEqualTo(new StoppingCondition(86_400, null, 60L));
    assertThat(spec.checkpoint()).isEqualTo(new CheckpointSpec("s3://churn/checkpoints/", "/opt/ml/checkpoints", null));
    assertThat(spec.maxRetryAttempts()).isZero();
  }

  @Test
  void keepsYamlNumbersExactlyAsWritten() {
    TrainingJobSpec spec = read(MINIMAL + """
        hyperparameters:
          eta: 0.10
          num_round: 50
          subsample: 0.80
          alpha: 1e-3
          lambda: 1.0
          min_child_weight: 007
          seed: 12345678901234567890
          silent: true
          objective: "multi:softprob"
          eval_metric: 'mlogloss'
        environment:
          OMP_NUM_THREADS: 08
        """);

    assertThat(spec.hyperparameters()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "eta", "0.10",
        "num_round", "50",
        "subsample", "0.80",
        "alpha", "1e-3",
        "lambda", "1.0",
        "min_child_weight", "007",
        "seed", "12345678901234567890",
        "silent", "true",
        "objective", "multi:softprob",
        "eval_metric", "mlogloss"));
    assertThat(spec.environment()).containsExactly(Map.entry("OMP_NUM_THREADS", "08"));
  }

  @Test
  void keepsAnyContentTypeAsWrittenForTheAlgorithmToCheck() {
    TrainingJobSpec spec = read("""
        name: churn-1
        algorithm: kmeans
        channels:
          - {name: train, uri: "s3://churn/train/", contentType: "text/csv; label_size=0"}
          - {name: lines, uri: "s3://churn/lines/", contentType: application/jsonlines}
          - {name: images, uri: "s3://churn/images/", contentType: image/jpeg}
        outputPath: s3://churn/output/
        """);

    assertThat(spec.channels()).extracting(ChannelSpec::contentType)
        .containsExactly("text/csv; label_size=0", "application/jsonlines", "image/jpeg");
  }

  @Test
  void keepsJsonNumbersExactlyAsWritten() {
    TrainingJobSpec spec = SpecReader.readTrainingJob("""
        {"name": "churn-1", "algorithm": "xgboost", "outputPath": "s3://churn/output/",
         "channels": [{"name": "train", "uri": "s3://churn/train/"}],
         "hyperparameters": {"eta": 0.10, "num_round": 50, "gamma": 1.5E+2, "verbose": false}}
        """, "job.json");

    assertThat(spec.hyperparameters()).containsExactlyInAnyOrderEntriesOf(
        Map.of("eta", "0.10", "num_round", "50", "gamma", "1.5E+2", "verbose", "false"));
  }

  @Test
  void instanceTypeFillsCoresMemoryAndGpus() {
    TrainingJobSpec spec = read(MINIMAL + """
        resources:
          workers: 2
          instanceType: ml.g5.12xlarge
        """);

    // 192 GiB * 0.8 = 153.6, rounded down
    assertThat(spec.resources()).isEqualTo(new ResourceSpec(2, 48, "153g", 4, "ml.g5.12xlarge"));
  }

  @Test
  void explicitSizesWinOverTheInstanceType() {
    TrainingJobSpec spec = read(MINIMAL + """
        resources:
          instanceType: ml.p3.16xlarge
          coresPerWorker: 16
          gpusPerWorker: 2
        """);

    assertThat(spec.resources()).isEqualTo(new ResourceSpec(1, 16, "390g", 2, "ml.p3.16xlarge"));
  }

  @Test
  void cpuInstanceTypeAsksForNoGpus() {
    TrainingJobSpec spec = read(MINIMAL + """
        resources:
          instanceType: ml.c5.9xlarge
        """);

    assertThat(spec.resources()).isEqualTo(new ResourceSpec(1, 36, "57g", 0, "ml.c5.9xlarge"));
  }

  @Test
  void acceptsYamlDocumentMarkers() {
    assertThat(read("---\n" + MINIMAL + "...\n").name()).isEqualTo("churn-1");
  }

  @Test
  void algorithmObjectNeedsOnlyAName() {
    TrainingJobSpec spec = read(MINIMAL.replace("algorithm: xgboost", "algorithm:\n  name: xgboost"));

    assertThat(spec.algorithm()).isEqualTo(new AlgorithmSpec("xgboost", null, "File"));
  }

  @Test
  void keepsChannelsInTheOrderWritten() {
    TrainingJobSpec spec = read("""
        name: churn-1
        algorithm: xgboost
        outputPath: s3://churn/output/
        channels:
          - {name: validation, uri: s3://churn/validation/, contentType: text/csv}
          - {name: train, uri: s3a://churn/train/, contentType: text/csv, distribution: ShardedByS3Key}
          - {name: test.v2_final-1, uri: file:///tmp/test/, compression: Gzip}
        """);

    assertThat(spec.channels()).extracting(ChannelSpec::name).containsExactly("validation", "train", "test.v2_final-1");
    assertThat(spec.channel("train")).contains(new ChannelSpec("train", "s3a://churn/train/", "text/csv",
        DataDistribution.ShardedByS3Key, ChannelSpec.Compression.None));
    assertThat(spec.channel("test.v2_final-1").orElseThrow().compression()).isEqualTo(ChannelSpec.Compression.Gzip);
    assertThat(spec.channel("missing")).isEmpty();
  }

  @Test
  void readsManifestAndAugmentedManifestChannels() {
    TrainingJobSpec spec = read("""
        name: images-1
        algorithm: xgboost
        outputPath: s3://churn/output/
        channels:
          - {name: train, uri: s3://churn/train.manifest, dataType: ManifestFile, contentType: text/csv}
          - name: validation
            uri: s3://churn/validation.jsonl
            dataType: AugmentedManifestFile
            attributeNames: [source-ref, class, bounding-box]
          - {name: test, uri: s3://churn/test/, dataType: S3Prefix}
        """);

    assertThat(spec.channel("train")).contains(new ChannelSpec("train", "s3://churn/train.manifest", "text/csv",
        DataDistribution.FullyReplicated, ChannelSpec.Compression.None, S3DataType.ManifestFile, List.of()));
    assertThat(spec.channel("validation").orElseThrow().attributeNames())
        .containsExactly("source-ref", "class", "bounding-box");
    assertThat(spec.channel("validation").orElseThrow().dataType()).isEqualTo(S3DataType.AugmentedManifestFile);
    assertThat(spec.channel("test").orElseThrow()).isEqualTo(new ChannelSpec("test", "s3://churn/test/", null,
        DataDistribution.FullyReplicated, ChannelSpec.Compression.None));
    assertThat(SpecJsonTest.roundTrip(spec)).isEqualTo(spec);
  }

  @Test
  void readsMetricDefinitionsInOrder() {
    TrainingJobSpec spec = read(MINIMAL + """
        metricDefinitions:
          - name: train:rmse
            regex: 'train-rmse:([0-9.]+)'
          - name: validation:rmse
            regex: '\\[\\d+\\].*validation-rmse:(?<value>[-+]?[0-9]*\\.?[0-9]+)'
        """);

    assertThat(spec.metricDefinitions()).containsExactly(
        new MetricDefinition("train:rmse", "train-rmse:([0-9.]+)"),
        new MetricDefinition("validation:rmse", "\\[\\d+\\].*validation-rmse:(?<value>[-+]?[0-9]*\\.?[0-9]+)"));
    var matcher = spec.metricDefinitions().get(1).pattern().matcher("[12] train-rmse:0.31 validation-rmse:0.35");
    assertThat(matcher.find()).isTrue();
    assertThat(matcher.group(1)).isEqualTo("0.35");
  }

  @Test
  void readsRetryAttempts() {
    assertThat(read(MINIMAL + "retry:\n  maximumAttempts: 30\n").maxRetryAttempts()).isEqualTo(30);
    assertThat(read(MINIMAL + "retry:\n  maximumAttempts: 1\n").maxRetryAttempts()).isEqualTo(1);
  }

  @Test
  void readsManagedSpotWithMaxWaitEqualToMaxRuntime() {
    TrainingJobSpec spec = read(MINIMAL + """
        managedSpot: True
        stoppingCondition:
          maxRuntimeSeconds: 600
          maxWaitSeconds: 600
        """);

    assertThat(spec.managedSpot()).isTrue();
    assertThat(spec.stoppingCondition()).isEqualTo(new StoppingCondition(600, 600L, null));
  }

  @Test
  void acceptsTheLongestRuntimeSageMakerAllows() {
    TrainingJobSpec spec = read(MINIMAL + "stoppingCondition:\n  maxRuntimeSeconds: 2419200\n");

    assertThat(spec.stoppingCondition().maxRuntimeSeconds()).isEqualTo(28L * 86_400);
  }

  @Test
  void treatsExplicitNullsAsAbsent() {
    TrainingJobSpec spec = read(MINIMAL + """
        resources:
        checkpoint: ~
        hyperparameters: null
        """);

    assertThat(spec.resources()).isEqualTo(ResourceSpec.workers(1));
    assertThat(spec.checkpoint()).isNull();
    assertThat(spec.hyperparameters()).isEmpty();
  }

  @Test
  void readsASpecFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("job.yaml");
    Files.writeString(file, FULL_YAML);

    assertThat(SpecReader.readTrainingJob(file)).isEqualTo(FULL);
  }
}
