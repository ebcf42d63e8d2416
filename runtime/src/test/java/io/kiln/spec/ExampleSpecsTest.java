package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.DataDistribution;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The example specs shipped in conf/examples read as the jobs they describe. */
class ExampleSpecsTest {

  static Path repoRoot() {
    String root = System.getProperty("kiln.repo.root");
    assertThat(root).as("system property kiln.repo.root (set by surefire)").isNotNull();
    Path path = Path.of(root);
    assertThat(path.resolve("conf/examples")).as("conf/examples under %s", path).isDirectory();
    return path;
  }

  static Path example(String file) {
    Path path = repoRoot().resolve("conf/examples").resolve(file);
    assertThat(path).exists();
    return path;
  }

  @Test
  void fullKilnExampleReadsWithEveryField() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(example("xgboost-full.yaml"));

    assertThat(spec).isEqualTo(new TrainingJobSpec(
        "xgboost-full-1",
        new AlgorithmSpec("xgboost", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1", "File"),
        Map.of("num_round", "50", "objective", "binary:logistic", "eta", "0.10", "max_depth", "4",
            "subsample", "0.8", "eval_metric", "logloss,auc", "early_stopping_rounds", "10"),
        List.of(
            new ChannelSpec("train", "s3://kiln/quickstart/train/", "text/csv", DataDistribution.FullyReplicated,
                ChannelSpec.Compression.None),
            new ChannelSpec("validation", "s3://kiln/quickstart/validation/", "text/csv",
                DataDistribution.FullyReplicated, ChannelSpec.Compression.None)),
        "s3://kiln/quickstart/output/",
        new ResourceSpec(2, 2, "2g", 0, "ml.m5.large"),
        new StoppingCondition(600, 1200L, 300L),
        new CheckpointSpec("s3://kiln/quickstart/checkpoints/", "/opt/ml/checkpoints", 10),
        true,
        Map.of("OMP_NUM_THREADS", "2", "KILN_EXAMPLE", "full"),
        List.of(new MetricDefinition("validation:error", "validation-error:([-+]?[0-9]*\\.?[0-9]+)")),
        2,
        List.of()));
  }

  @Test
  void fullKilnExampleUsesEveryTopLevelField() throws Exception {
    var tree = SpecTree.parse(Files.readString(example("xgboost-full.yaml")), "xgboost-full.yaml");

    assertThat(Fields.root(tree, "xgboost-full.yaml").fieldNames()).containsExactlyElementsOf(KilnSpecReader.TOP_LEVEL);
  }

  @Test
  void sageMakerExampleMapsOntoTheQuickstartJob() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(example("sagemaker-create-training-job.json"));

    assertThat(spec.name()).isEqualTo("quickstart-xgboost-sagemaker");
    assertThat(spec.algorithm().name()).isEqualTo("sagemaker-xgboost");
    assertThat(spec.channels()).containsExactly(
        new ChannelSpec("train", "s3://kiln/quickstart/train/", "text/csv", DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None),
        new ChannelSpec("validation", "s3://kiln/quickstart/validation/", "text/csv",
            DataDistribution.FullyReplicated, ChannelSpec.Compression.None));
    assertThat(spec.outputPath()).isEqualTo("s3://kiln/quickstart/output/");
    assertThat(spec.resources()).isEqualTo(new ResourceSpec(2, 2, "6g", 0, "ml.m5.large"));
    assertThat(spec.hyperparameters()).containsEntry("num_round", "50").containsEntry("objective", "binary:logistic");
    assertThat(spec.notices()).containsExactly(
        "Not applied on Spark (AWS-only fields of the SageMaker request): kept for describe: RoleArn, VpcConfig, "
            + "ResourceConfig.VolumeSizeInGB; ignored: Tags");
  }

  @Test
  void scriptJobExampleNamesItsScript() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(example("script-job.yaml"));

    assertThat(spec.algorithm().name()).isEqualTo("script");
    assertThat(spec.algorithm().script()).isEqualTo(new io.kiln.spi.ScriptSpec("train.py",
        "s3://my-bucket/code/sourcedir.tar.gz", "python3", List.of()));
    assertThat(spec.channels()).extracting(ChannelSpec::name).containsExactly("train", "validation");
    assertThat(spec.metricDefinitions()).containsExactly(
        new MetricDefinition("validation:loss", "validation:loss=([-0-9.eE]+)"));
  }

  @Test
  void imageClassificationExampleReadsAsTheDigitsJob() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(example("image-classification.yaml"));
    String data = "s3://kiln/image-classification/digits/";

    assertThat(spec.name()).isEqualTo("image-classification-digits");
    assertThat(spec.algorithm().name()).isEqualTo("image-classification");
    assertThat(spec.hyperparameters()).isEqualTo(Map.of("num_classes", "10", "num_training_samples", "1438",
        "image_shape", "1,8,8", "num_layers", "20", "epochs", "5", "mini_batch_size", "32", "learning_rate", "0.1"));
    assertThat(spec.channels()).containsExactly(
        new ChannelSpec("train", data + "train/", "application/x-image", DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None),
        new ChannelSpec("train_lst", data + "train_lst/", "application/x-image", DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None),
        new ChannelSpec("validation", data + "validation/", "application/x-image", DataDistribution.FullyReplicated,
            ChannelSpec.Compression.None),
        new ChannelSpec("validation_lst", data + "validation_lst/", "application/x-image",
            DataDistribution.FullyReplicated, ChannelSpec.Compression.None));
    assertThat(spec.outputPath()).isEqualTo("s3://kiln/image-classification/output/");
    assertThat(spec.checkpoint().uri()).isEqualTo("s3://kiln/image-classification/checkpoints/digits/");
    assertThat(spec.resources().workers()).isEqualTo(1);
    assertThat(spec.notices()).isEmpty();
  }

  @Test
  void quickstartExampleStillReads() {
    TrainingJobSpec spec = SpecReader.readTrainingJob(example("quickstart-xgboost.yaml"));

    assertThat(spec.name()).isEqualTo("quickstart-xgboost");
    assertThat(spec.hyperparameters()).containsEntry("eta", "0.10");
  }
}
