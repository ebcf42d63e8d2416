package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every way a Kiln spec can be wrong: each is a user error whose message names the spec, the field
 * by its path, the offending value and, where there is one, the fix.
 */
class KilnSpecErrorsTest {

  private static final String MINIMAL = KilnSpecReaderTest.MINIMAL;

  /** Reads {@code text} as job.yaml and returns the user error it must raise. */
  static String error(String text) {
    return error(text, "job.yaml");
  }

  static String error(String text, String source) {
    KilnException e = catchThrowableOfType(KilnException.class, () -> SpecReader.readTrainingJob(text, source));
    assertThat(e).as("reading %s must fail", source).isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e.getMessage();
  }

  @Test
  void unknownTopLevelFieldSuggestsTheClosestName() {
    String message = error(MINIMAL + "hyperparameter:\n  eta: 0.1\n");

    assertThat(message).startsWith("Invalid spec job.yaml: unknown field 'hyperparameter'; did you mean 'hyperparameters'?")
        .contains("valid fields here: name, algorithm, hyperparameters, channels, outputPath, resources, "
            + "stoppingCondition, checkpoint, managedSpot, environment, metricDefinitions, retry");
  }

  @Test
  void unknownFieldWithNothingCloseListsTheValidFieldsOnly() {
    String message = error(MINIMAL + "colour: blue\n");

    assertThat(message).startsWith("Invalid spec job.yaml: unknown field 'colour'; valid fields here: name,")
        .doesNotContain("did you mean");
  }

  @Test
  void unknownChannelFieldIsNamedByItsPath() {
    String message = error("""
        name: churn-1
        algorithm: xgboost
        channels:
          - name: train
            uri: s3://churn/train/
            contentTyp: text/csv
        outputPath: s3://churn/output/
        """);

    assertThat(message).isEqualTo("Invalid spec job.yaml: unknown field 'channels[0].contentTyp'; did you mean "
        + "'contentType'?; valid fields here: name, uri, contentType, distribution, compression, dataType, "
        + "attributeNames");
  }

  @Test
  void unknownFieldsInEveryNestedSectionAreNamedByPath() {
    assertThat(error(MINIMAL + "resources:\n  worker: 2\n"))
        .contains("unknown field 'resources.worker'; did you mean 'workers'?");
    assertThat(error(MINIMAL + "stoppingCondition:\n  maxRuntimeSecond: 60\n"))
        .contains("unknown field 'stoppingCondition.maxRuntimeSecond'; did you mean 'maxRuntimeSeconds'?");
    assertThat(error(MINIMAL + "checkpoint:\n  uri: s3://c/\n  interval: 5\n"))
        .contains("unknown field 'checkpoint.interval'; did you mean 'intervalRounds'?");
    assertThat(error(MINIMAL + "retry:\n  maximumAttempt: 2\n"))
        .contains("unknown field 'retry.maximumAttempt'; did you mean 'maximumAttempts'?");
    assertThat(error(MINIMAL + "metricDefinitions:\n  - name: auc\n    regexp: 'auc:(\\S+)'\n"))
        .contains("unknown field 'metricDefinitions[0].regexp'; did you mean 'regex'?");
    assertThat(error(MINIMAL.replace("algorithm: xgboost", "algorithm:\n  name: xgboost\n  image: x")))
        .contains("unknown field 'algorithm.image'");
  }

  @Test
  void unknownFieldInASecondChannelNamesItsIndex() {
    String message = error("""
        name: churn-1
        algorithm: xgboost
        channels:
          - {name: train, uri: s3://churn/train/}
          - {name: validation, url: s3://churn/validation/}
        outputPath: s3://churn/output/
        """);

    assertThat(message).contains("unknown field 'channels[1].url'; did you mean 'uri'?");
  }

  @Test
  void missingNameIsReported() {
    assertThat(error(MINIMAL.replace("name: churn-1\n", "")))
        .isEqualTo("Invalid spec job.yaml: missing required field 'name'");
  }

  @Test
  void missingAlgorithmSaysHowToNameOne() {
    assertThat(error(MINIMAL.replace("algorithm: xgboost\n", ""))).isEqualTo(
        "Invalid spec job.yaml: missing required field 'algorithm': name a built-in algorithm, e.g. algorithm: xgboost");
  }

  @Test
  void missingChannelsShowsAnExampleChannel() {
    String withoutChannels = """
        name: churn-1
        algorithm: xgboost
        outputPath: s3://churn/output/
        """;

    assertThat(error(withoutChannels)).isEqualTo("Invalid spec job.yaml: missing required field 'channels': give at "
        + "least one channel, e.g. channels: [{name: train, uri: s3://bucket/train/, contentType: text/csv}]");
    assertThat(error(withoutChannels + "channels: []\n")).contains("missing required field 'channels'");
  }

  @Test
  void missingOutputPathIsReported() {
    assertThat(error(MINIMAL.replace("outputPath: s3://churn/output/\n", "")))
        .isEqualTo("Invalid spec job.yaml: missing required field 'outputPath'");
  }

  @Test
  void blankOutputPathIsReported() {
    assertThat(error(MINIMAL.replace("outputPath: s3://churn/output/", "outputPath: ' '")))
        .contains("Job 'churn-1' has no output path; set where model.tar.gz is written");
  }

  @Test
  void channelWithoutUriIsReported() {
    assertThat(error(MINIMAL.replace("    uri: s3://churn/train/\n", "")))
        .isEqualTo("Invalid spec job.yaml: missing required field 'channels[0].uri'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"churn_1", "-churn", "churn-", "churn.1", "churn 1", "chürn"})
  void invalidJobNameQuotesSageMakersRule(String name) {
    assertThat(error(MINIMAL.replace("churn-1", "'" + name + "'"))).isEqualTo("Invalid spec job.yaml: field 'name' is '"
        + name + "'; use 1 to 63 letters, digits and hyphens, starting and ending with a letter or digit "
        + "(SageMaker's TrainingJobName rule)");
  }

  @Test
  void jobNameLongerThan63CharactersIsRefused() {
    String letters = "a".repeat(64);
    String hyphenated = "a" + "-a".repeat(40); // 81 characters, each hyphen followed by a letter

    assertThat(error(MINIMAL.replace("churn-1", letters))).contains("field 'name' is '" + letters + "'");
    assertThat(error(MINIMAL.replace("churn-1", hyphenated))).contains("field 'name' is '" + hyphenated + "'");
  }

  @Test
  void invalidChannelNameQuotesSageMakersRule() {
    String message = error(MINIMAL.replace("name: train", "name: train data"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: Invalid channel name 'train data': use 1 to 64 letters, "
        + "digits, '.', '-' or '_' (SageMaker's ChannelName rule)");
  }

  @Test
  void channelNameLongerThan64CharactersIsRefused() {
    assertThat(error(MINIMAL.replace("name: train", "name: " + "c".repeat(65))))
        .contains("Invalid channel name '" + "c".repeat(65) + "'");
  }

  @Test
  void duplicateChannelNamesAreRefused() {
    String message = error("""
        name: churn-1
        algorithm: xgboost
        channels:
          - {name: train, uri: s3://churn/train/}
          - {name: validation, uri: s3://churn/validation/}
          - {name: train, uri: s3://churn/train-2/}
        outputPath: s3://churn/output/
        """);

    assertThat(message).isEqualTo(
        "Invalid spec job.yaml: Job 'churn-1' names channel 'train' twice; channel names must be unique");
  }

  @Test
  void badDistributionListsTheValuesAndSuggestsOne() {
    String message = error(MINIMAL.replace("uri: s3://churn/train/", "uri: s3://churn/train/\n    distribution: Sharded"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: field 'channels[0].distribution' is 'Sharded'; expected one "
        + "of FullyReplicated, ShardedByS3Key; did you mean 'ShardedByS3Key'?");
  }

  @Test
  void badDataTypeListsTheValuesAndSuggestsOne() {
    String message = error(MINIMAL.replace("uri: s3://churn/train/", "uri: s3://churn/train.json\n    dataType: Manifest"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: field 'channels[0].dataType' is 'Manifest'; expected one "
        + "of S3Prefix, ManifestFile, AugmentedManifestFile; did you mean 'ManifestFile'?");
  }

  @Test
  void attributeNamesOutsideAnAugmentedManifestAreRefusedNamingBothSpellings() {
    String message = error(MINIMAL.replace("uri: s3://churn/train/",
        "uri: s3://churn/train.manifest\n    dataType: ManifestFile\n    attributeNames: [source-ref]"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: Channel 'train' sets attributeNames (AttributeNames), which "
        + "only an AugmentedManifestFile channel takes, but its dataType (S3DataType) is ManifestFile; remove "
        + "attributeNames or set dataType to AugmentedManifestFile");
  }

  @Test
  void anAugmentedManifestNeedsAttributeNames() {
    String message = error(MINIMAL.replace("uri: s3://churn/train/",
        "uri: s3://churn/train.jsonl\n    dataType: AugmentedManifestFile\n    attributeNames: []"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: Channel 'train' has dataType (S3DataType) "
        + "AugmentedManifestFile but no attributeNames (AttributeNames): list the attributes of each line the "
        + "algorithm reads, in order, e.g. [source-ref, class]");
  }

  @Test
  void attributeNamesKeepSageMakersLimits() {
    String seventeen = String.join(", ", java.util.stream.IntStream.range(0, 17).mapToObj(i -> "a" + i).toList());
    String tooMany = error(MINIMAL.replace("uri: s3://churn/train/",
        "uri: s3://churn/train.jsonl\n    dataType: AugmentedManifestFile\n    attributeNames: [" + seventeen + "]"));
    String empty = error(MINIMAL.replace("uri: s3://churn/train/",
        "uri: s3://churn/train.jsonl\n    dataType: AugmentedManifestFile\n    attributeNames: [source-ref, '']"));
    String notText = error(MINIMAL.replace("uri: s3://churn/train/",
        "uri: s3://churn/train.jsonl\n    dataType: AugmentedManifestFile\n    attributeNames: [[a]]"));

    assertThat(tooMany).isEqualTo("Invalid spec job.yaml: Channel 'train' has 17 attributeNames (AttributeNames); "
        + "SageMaker allows at most 16");
    assertThat(empty).isEqualTo("Invalid spec job.yaml: Channel 'train' has attributeNames[1] (AttributeNames) ''; "
        + "an attribute name is 1 to 256 characters");
    assertThat(notText).isEqualTo("Invalid spec job.yaml: 'channels[0].attributeNames[0]' must be a single value, "
        + "not a list");
  }

  @Test
  void enumValuesAreCaseSensitiveAndSuggestTheRightCase() {
    String message = error(MINIMAL.replace("uri: s3://churn/train/", "uri: s3://churn/train/\n    compression: gzip"));

    assertThat(message).isEqualTo("Invalid spec job.yaml: field 'channels[0].compression' is 'gzip'; expected one of "
        + "None, Gzip; did you mean 'Gzip'?");
  }

  @Test
  void badInputModeListsTheModes() {
    assertThat(error(MINIMAL.replace("algorithm: xgboost", "algorithm:\n  name: xgboost\n  inputMode: Stream")))
        .isEqualTo("Invalid spec job.yaml: field 'algorithm.inputMode' is 'Stream'; expected one of File, FastFile, Pipe");
  }

  @Test
  void nonNumericWorkersIsRefusedWithTheRange() {
    assertThat(error(MINIMAL + "resources:\n  workers: two\n")).isEqualTo(
        "Invalid spec job.yaml: field 'resources.workers' is 'two'; expected a whole number from 1 to 10000");
  }

  @Test
  void fractionalAndOutOfRangeNumbersAreRefused() {
    assertThat(error(MINIMAL + "resources:\n  workers: 2.5\n"))
        .contains("field 'resources.workers' is '2.5'; expected a whole number from 1 to 10000");
    assertThat(error(MINIMAL + "resources:\n  workers: 0\n"))
        .contains("field 'resources.workers' is 0; expected a whole number from 1 to 10000");
    assertThat(error(MINIMAL + "resources:\n  gpusPerWorker: -1\n"))
        .contains("field 'resources.gpusPerWorker' is -1; expected a whole number from 0 to 64");
    assertThat(error(MINIMAL + "stoppingCondition:\n  maxRuntimeSeconds: 2419201\n"))
        .contains("field 'stoppingCondition.maxRuntimeSeconds' is 2419201; expected a whole number from 1 to 2419200");
    assertThat(error(MINIMAL + "retry:\n  maximumAttempts: 31\n"))
        .contains("field 'retry.maximumAttempts' is 31; expected a whole number from 1 to 30");
    assertThat(error(MINIMAL + "checkpoint:\n  uri: s3://c/\n  intervalRounds: 0\n"))
        .contains("field 'checkpoint.intervalRounds' is 0; expected a whole number from 1 to 2147483647");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8 GB", "8gb", "-2g", "lots", "1.5g"})
  void badMemoryPerWorkerShowsTheExpectedForm(String memory) {
    assertThat(error(MINIMAL + "resources:\n  memoryPerWorker: '" + memory + "'\n")).isEqualTo(
        "Invalid spec job.yaml: resources.memoryPerWorker is '" + memory + "'; expected a size such as 2g or 512m");
  }

  @Test
  void unknownInstanceTypeSuggestsAKnownOneAndTheAlternative() {
    assertThat(error(MINIMAL + "resources:\n  instanceType: ml.m5.xlarg\n")).isEqualTo("Invalid spec job.yaml: field "
        + "'resources.instanceType' is 'ml.m5.xlarg', which Kiln does not know; did you mean 'ml.m5.xlarge'?; "
        + "give coresPerWorker and memoryPerWorker instead");
  }

  @Test
  void managedSpotWithoutMaxWaitSaysWhatToSet() {
    String message = error(MINIMAL + "managedSpot: true\nstoppingCondition:\n  maxRuntimeSeconds: 600\n");

    assertThat(message).isEqualTo("Invalid spec job.yaml: Job 'churn-1' uses managed spot but has no "
        + "stoppingCondition.maxWaitSeconds (MaxWaitTimeInSeconds); set it to at least the maximum runtime, 600");
  }

  @Test
  void managedSpotWithMaxWaitBelowMaxRuntimeQuotesBoth() {
    String message = error(MINIMAL + """
        managedSpot: true
        stoppingCondition:
          maxRuntimeSeconds: 3600
          maxWaitSeconds: 1800
        """);

    assertThat(message).isEqualTo("Invalid spec job.yaml: Job 'churn-1' has stoppingCondition.maxWaitSeconds "
        + "(MaxWaitTimeInSeconds) 1800, below stoppingCondition.maxRuntimeSeconds (MaxRuntimeInSeconds) 3600; a managed "
        + "spot job's wait includes its run, so set it to at least 3600");
  }

  @Test
  void maxWaitWithoutManagedSpotSaysToRemoveItOrTurnSpotOn() {
    String message = error(MINIMAL + "stoppingCondition:\n  maxWaitSeconds: 7200\n");

    assertThat(message).isEqualTo("Invalid spec job.yaml: Job 'churn-1' sets stoppingCondition.maxWaitSeconds "
        + "(MaxWaitTimeInSeconds), which applies to managed spot jobs only; remove it or turn managed spot on "
        + "(managedSpot / EnableManagedSpotTraining)");
  }

  @Test
  void managedSpotMustBeABoolean() {
    assertThat(error(MINIMAL + "managedSpot: maybe\n"))
        .isEqualTo("Invalid spec job.yaml: field 'managedSpot' is 'maybe'; expected true or false");
  }

  @Test
  void invalidMetricRegexIsQuoted() {
    String message = error(MINIMAL + "metricDefinitions:\n  - name: auc\n    regex: 'auc:([0-9.+'\n");

    assertThat(message).startsWith("Invalid spec job.yaml: MetricDefinitions 'auc': Regex 'auc:([0-9.+' is not valid: ");
  }

  @Test
  void metricRegexWithoutAGroupSaysToAddOne() {
    String message = error(MINIMAL + "metricDefinitions:\n  - name: auc\n    regex: 'auc:(?:[0-9.]+)'\n");

    assertThat(message).isEqualTo("Invalid spec job.yaml: MetricDefinitions 'auc': Regex 'auc:(?:[0-9.]+)' has no "
        + "capture group; put the value in parentheses, e.g. loss=(\\S+)");
  }

  @Test
  void metricDefinitionNeedsNameAndRegex() {
    assertThat(error(MINIMAL + "metricDefinitions:\n  - regex: 'auc:(\\S+)'\n"))
        .isEqualTo("Invalid spec job.yaml: missing required field 'metricDefinitions[0].name'");
    assertThat(error(MINIMAL + "metricDefinitions:\n  - name: auc\n"))
        .isEqualTo("Invalid spec job.yaml: missing required field 'metricDefinitions[0].regex'");
  }

  @Test
  void checkpointNeedsAUri() {
    assertThat(error(MINIMAL + "checkpoint:\n  localPath: /tmp/c\n"))
        .isEqualTo("Invalid spec job.yaml: missing required field 'checkpoint.uri'");
    assertThat(error(MINIMAL + "checkpoint:\n  uri: ''\n"))
        .isEqualTo("Invalid spec job.yaml: checkpoint.uri (CheckpointConfig.S3Uri) is missing");
  }

  @Test
  void hyperparameterWithoutValueSaysToGiveOneOrRemoveIt() {
    assertThat(error(MINIMAL + "hyperparameters:\n  eta:\n  num_round: 10\n"))
        .isEqualTo("Invalid spec job.yaml: 'hyperparameters.eta' has no value; give it one or remove it");
  }

  @Test
  void fieldsOfTheWrongShapeAreNamed() {
    assertThat(error(MINIMAL + "hyperparameters:\n  eta: [0.1, 0.2]\n"))
        .isEqualTo("Invalid spec job.yaml: 'hyperparameters.eta' must be a single value, not a list");
    assertThat(error(MINIMAL + "hyperparameters: eta=0.1\n"))
        .isEqualTo("Invalid spec job.yaml: field 'hyperparameters' must be a mapping of names to values, not 'eta=0.1'");
    assertThat(error(MINIMAL.replace("name: churn-1", "name: [churn-1]")))
        .isEqualTo("Invalid spec job.yaml: field 'name' must be a single value, not a list");
    assertThat(error(MINIMAL + "resources: 4\n"))
        .isEqualTo("Invalid spec job.yaml: field 'resources' must be an object (a mapping of fields), not '4'");
    assertThat(error("name: churn-1\nalgorithm: xgboost\noutputPath: s3://o/\nchannels: s3://churn/train/\n"))
        .isEqualTo("Invalid spec job.yaml: field 'channels' must be a list, not 's3://churn/train/'");
    assertThat(error("name: churn-1\nalgorithm: xgboost\noutputPath: s3://o/\nchannels: [train]\n"))
        .isEqualTo("Invalid spec job.yaml: 'channels[0]' must be an object, not 'train'");
  }

  @Test
  void invalidYamlNamesTheLine() {
    String message = error("""
        name: churn-1
        algorithm: xgboost
        channels:
          - name: train
            uri: [s3://churn/train/
        outputPath: s3://churn/output/
        """);

    // the list opened on line 5 is found unclosed where the next field starts
    assertThat(message).startsWith("Cannot read spec job.yaml: invalid YAML at line 6, column 11: ");
  }

  @Test
  void invalidYamlIndentationNamesTheLine() {
    String message = error("""
        name: churn-1
        algorithm: xgboost
          outputPath: s3://churn/output/
        """);

    assertThat(message)
        .startsWith("Cannot read spec job.yaml: invalid YAML at line 3, column 13: mapping values are not allowed here");
  }

  @Test
  void invalidJsonNamesTheLineAndColumn() {
    String message = error("""
        {
          "name": "churn-1",
          "algorithm": "xgboost"
          "outputPath": "s3://churn/output/"
        }
        """, "job.json");

    assertThat(message).startsWith("Cannot read spec job.json: invalid JSON at line 4, column 4: Unexpected character")
        .contains("was expecting comma to separate Object entries");
  }

  @Test
  void contentAfterTheJsonObjectIsRefused() {
    assertThat(error("{\"name\": \"a\"}\n{\"name\": \"b\"}\n", "job.json"))
        .isEqualTo("Cannot read spec job.json: unexpected content after the top-level object at line 2");
  }

  @Test
  void secondYamlDocumentIsRefusedRatherThanIgnored() {
    String message = error(MINIMAL + "---\n" + MINIMAL.replace("churn-1", "churn-2"));

    assertThat(message).isEqualTo(
        "Cannot read spec job.yaml: the file holds a second YAML document, at line 8; put one job in each file");
  }

  @Test
  void duplicateFieldIsRefusedWithItsLine() {
    assertThat(error(MINIMAL + "name: churn-2\n"))
        .startsWith("Cannot read spec job.yaml: invalid YAML at line 7")
        .endsWith("field 'name' appears twice");
    assertThat(error("{\"name\": \"a\",\n \"name\": \"b\"}", "job.json"))
        .startsWith("Cannot read spec job.json: invalid JSON at line 2")
        .endsWith("field 'name' appears twice");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   \n\n", "# only a comment\n"})
  void emptyFileSaysSo(String text) {
    assertThat(error(text)).isEqualTo("Cannot read spec job.yaml: the file is empty");
  }

  @Test
  void topLevelMustBeAnObject() {
    assertThat(error("- name: churn-1\n")).isEqualTo(
        "Cannot read spec job.yaml: the top level must be an object (a mapping of fields)");
    assertThat(error("[{\"name\": \"churn-1\"}]", "job.json")).isEqualTo(
        "Cannot read spec job.json: the top level must be an object (a mapping of fields)");
    assertThat(error("just some words\n")).isEqualTo(
        "Cannot read spec job.yaml: the top level must be an object (a mapping of fields)");
  }

  @Test
  void kilnTuningDocumentPointsToKilnTune() {
    String tuning = """
        strategy: Bayesian
        trainingJob:
          name: churn
        parameterRanges: {}
        """;

    assertThat(SpecReader.kind(SpecTree.parse(tuning, "tune.yaml"))).isEqualTo(SpecReader.Kind.KILN_TUNING);
    assertThat(error(tuning, "tune.yaml"))
        .isEqualTo("Spec tune.yaml describes a tuning job; run it with 'kiln tune tune.yaml'");
  }

  @Test
  void sageMakerTuningRequestPointsToKilnTune() {
    String tuning = """
        {"HyperParameterTuningJobName": "churn-hpo", "HyperParameterTuningJobConfig": {}}
        """;

    assertThat(SpecReader.kind(SpecTree.parse(tuning, "hpo.json"))).isEqualTo(SpecReader.Kind.SAGEMAKER_TUNING);
    assertThat(error(tuning, "hpo.json"))
        .isEqualTo("Spec hpo.json describes a tuning job; run it with 'kiln tune hpo.json'");
  }

  @Test
  void missingFileIsAUserError(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");
    KilnException e = catchThrowableOfType(KilnException.class, () -> SpecReader.readTrainingJob(file));

    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).isEqualTo("Spec file " + file + " does not exist");
  }
}
