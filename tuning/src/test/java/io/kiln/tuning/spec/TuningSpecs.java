package io.kiln.tuning.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Specs the tuning spec tests start from, and the errors they expect. */
final class TuningSpecs {
  /** A complete Kiln tuning spec using few fields; tests change one thing at a time. */
  static final String KILN_MINIMAL = """
      name: churn-tune
      objective: {type: Maximize, metric: "validation:auc"}
      parameterRanges:
        - {name: max_depth, type: Integer, min: 2, max: 10}
        - {name: eta, type: Continuous, min: 0.01, max: 0.5, scaling: Logarithmic}
      maxTrainingJobs: 20
      trainingJob:
        algorithm: xgboost
        hyperparameters: {num_round: 10, objective: "binary:logistic"}
        channels:
          - {name: train, uri: "s3://bucket/churn/train/", contentType: text/csv}
        outputPath: s3://bucket/churn/output/
      """;

  private TuningSpecs() {}

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

  static Path skeletonFile() {
    Path path = repoRoot().resolve("runtime/src/test/resources/sagemaker/create-tuning-job-skeleton.json");
    assertThat(path).exists();
    return path;
  }

  /** The complete SageMaker request, as a tree to change. */
  static ObjectNode skeleton() {
    try {
      return (ObjectNode) new ObjectMapper().readTree(Files.readString(skeletonFile()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@link #KILN_MINIMAL} as a tree to change. */
  static ObjectNode kiln() {
    return yaml(KILN_MINIMAL);
  }

  static ObjectNode yaml(String text) {
    try {
      return (ObjectNode) new YAMLMapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TuningJobSpec read(ObjectNode tree) {
    return TuningSpecReader.readTuningJob(tree.toString(), "tune.json");
  }

  /** Reads {@code tree} as tune.json and returns the user error it must raise. */
  static String error(ObjectNode tree) {
    return error(tree.toString(), "tune.json");
  }

  static String error(String text, String source) {
    KilnException e = catchThrowableOfType(KilnException.class, () -> TuningSpecReader.readTuningJob(text, source));
    assertThat(e).as("reading %s must fail", source).isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e.getMessage();
  }

  /** The user error building a value must raise. */
  static String valueError(Runnable build) {
    KilnException e = catchThrowableOfType(KilnException.class, build::run);
    assertThat(e).as("building the value must fail").isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e.getMessage();
  }
}
