package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.ScriptSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A script job's script, read from both forms of a job: the Kiln spec's named fields
 * ({@code algorithm.entryPoint} ...) and a SageMaker request's SDK hyperparameters
 * ({@code sagemaker_program} ..., JSON-encoded strings); messages name both spellings; the spec
 * written back reads as the same job.
 */
class ScriptSpecReadingTest {
  private static final String PYTORCH = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.3-cpu-py311";
  private static final String SOURCE = "s3://bucket/code/sourcedir.tar.gz";

  private static TrainingJobSpec request(String image, Map<String, String> hyperparameters) {
    return SageMakerRequestMapperTest.map(SageMakerRequestMapperTest.skeletonWith(r -> {
      ObjectNode a = (ObjectNode) r.get("AlgorithmSpecification");
      a.put("TrainingImage", image);
      a.remove("MetricDefinitions");
      a.remove(List.of("ContainerEntrypoint", "ContainerArguments")); // a script job would run them
      ObjectNode hp = r.putObject("HyperParameters");
      hyperparameters.forEach(hp::put);
    }));
  }

  private static TrainingJobSpec kiln(String algorithm) {
    return SpecReader.readTrainingJob("name: s1\nalgorithm: " + algorithm + "\n"
        + "channels: [{name: train, uri: 's3://bucket/train/'}]\noutputPath: 's3://bucket/out/'\n", "s1.yaml");
  }

  private static KilnException error(Runnable read) {
    KilnException e = catchThrowableOfType(read::run, KilnException.class);
    assertThat(e).isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e;
  }

  @Test
  void aFrameworkImageRequestCarriesTheSdksScript() {
    TrainingJobSpec job = request(PYTORCH, Map.of("sagemaker_program", "\"train.py\"", "sagemaker_submit_directory",
        "\"" + SOURCE + "\"", "epochs", "10"));
    assertThat(job.algorithm().name()).isEqualTo("pytorch-training");
    assertThat(job.algorithm().script()).isEqualTo(new ScriptSpec("train.py", SOURCE, "python3", List.of()));
    assertThat(job.hyperparameters()).containsEntry("sagemaker_program", "\"train.py\"");
    assertSameJob(SpecJson.fromKilnSpec(SpecJson.toKilnSpec(job), "stored.json"), job);
  }

  /** The spec written back and read again (a Kiln spec: no notices or request members to echo). */
  private static void assertSameJob(TrainingJobSpec back, TrainingJobSpec job) {
    assertThat(back.withNotices(job.notices()).withRequestEcho(job.requestEcho())).isEqualTo(job);
  }

  @Test
  void theXgboostImageWithSagemakerProgramIsAScriptJob() {
    String xgboost = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
    TrainingJobSpec script = request(xgboost, Map.of("sagemaker_program", "\"train.py\"",
        "sagemaker_submit_directory", "\"" + SOURCE + "\""));
    assertThat(script.algorithm().name()).isEqualTo("script");
    assertThat(script.algorithm().trainingImage()).isEqualTo(xgboost);
    TrainingJobSpec builtIn = request(xgboost, Map.of("num_round", "10"));
    assertThat(builtIn.algorithm().name()).isEqualTo("sagemaker-xgboost");
    assertThat(builtIn.algorithm().script()).isNull();
  }

  @Test
  void theKilnSpecNamesTheScriptWithItsOwnFields() {
    TrainingJobSpec job = kiln("{entryPoint: src/train.py, source: '" + SOURCE + "', interpreter: /usr/bin/python3, "
        + "arguments: [--verbose, '1']}");
    assertThat(job.algorithm().name()).isEqualTo("script");
    assertThat(job.algorithm().script()).isEqualTo(new ScriptSpec("src/train.py", SOURCE, "/usr/bin/python3",
        List.of("--verbose", "1")));
    // mirrored into the hyperparameters as the SDK sends them (DescribeTrainingJob, the SDK's attach)
    assertThat(job.hyperparameters()).containsExactlyInAnyOrderEntriesOf(Map.of("sagemaker_program",
        "\"src/train.py\"", "sagemaker_submit_directory", "\"" + SOURCE + "\""));
    assertSameJob(SpecJson.fromKilnSpec(SpecJson.toKilnSpec(job), "stored.json"), job);
    assertThat(kiln("{entryPoint: train.py, source: '" + SOURCE + "'}").algorithm().script().interpreter())
        .isEqualTo("python3");
  }

  @Test
  void aKilnSpecWhoseHyperparametersNameTheScriptAsTheSdkDoesRunsIt() {
    String hp = "hyperparameters: {sagemaker_program: '\"train.py\"', sagemaker_submit_directory: '\"" + SOURCE
        + "\"', epochs: '3'}\n";
    for (String algorithm : new String[] {"script", "{name: script}"}) {
      TrainingJobSpec job = SpecReader.readTrainingJob("name: s1\nalgorithm: " + algorithm + "\n" + hp
          + "channels: [{name: train, uri: 's3://bucket/train/'}]\noutputPath: 's3://bucket/out/'\n", "s1.yaml");
      assertThat(job.algorithm().script()).as(algorithm).isEqualTo(new ScriptSpec("train.py", SOURCE, null, List.of()));
      assertSameJob(SpecJson.fromKilnSpec(SpecJson.toKilnSpec(job), "stored.json"), job);
    }
  }

  @Test
  void anEntryPointOutsideTheSourceIsRefusedNamingBothSpellings() {
    assertThat(error(() -> kiln("{entryPoint: ../train.py, source: '" + SOURCE + "'}")))
        .hasMessage("Invalid spec s1.yaml: algorithm.entryPoint (hyperparameter sagemaker_program) "
            + "'../train.py' has an empty, '.' or '..' segment; name the file inside the source (train.py, src/train.py)");
    assertThat(error(() -> request(PYTORCH, Map.of("sagemaker_program", "\"/etc/train.py\"",
        "sagemaker_submit_directory", "\"" + SOURCE + "\"")))).hasMessageEndingWith(
        "algorithm.entryPoint (hyperparameter sagemaker_program) '/etc/train.py' must be a path relative to the "
            + "source's root, with / separators (train.py, src/train.py)");
  }

  @Test
  void aScriptWithoutSourceOrWithAnotherTypeOrTwoDifferentScriptsIsRefused() {
    assertThat(error(() -> kiln("{entryPoint: train.py}"))).hasMessageEndingWith("The script 'train.py' has no "
        + "source: set algorithm.source (hyperparameter sagemaker_submit_directory) to an s3://…/sourcedir.tar.gz or "
        + "a directory URI holding it");
    assertThat(error(() -> request(PYTORCH, Map.of("sagemaker_program", "3", "sagemaker_submit_directory",
        "\"" + SOURCE + "\"")))).hasMessageEndingWith("Hyperparameter sagemaker_program is 3, not a string; the "
        + "SageMaker SDK writes it as a JSON string (\"\\\"train.py\\\"\")");
    assertThat(error(() -> kiln("{entryPoint: a.py, source: '" + SOURCE + "'}\nhyperparameters: "
        + "{sagemaker_program: '\"b.py\"', sagemaker_submit_directory: '\"" + SOURCE + "\"'}")))
        .hasMessageContaining("algorithm.entryPoint is 'a.py' but hyperparameter sagemaker_program names 'b.py'; "
            + "give the script once");
    // only the program given beside the fields (the newcomer's case): the mismatch, not a missing source
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "'}\nhyperparameters: "
        + "{sagemaker_program: '\"main.py\"'}")))
        .hasMessageContaining("algorithm.entryPoint is 'train.py' but hyperparameter sagemaker_program names 'main.py'")
        .hasMessageNotContaining("has no source");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "'}\nhyperparameters: "
        + "{sagemaker_submit_directory: '\"s3://bucket/other.tar.gz\"'}")))
        .hasMessageContaining("algorithm.source is '" + SOURCE + "' but hyperparameter sagemaker_submit_directory "
            + "names 's3://bucket/other.tar.gz'");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: 's3://bucket/code/../other/src.tar.gz'}")))
        .hasMessageContaining("algorithm.source (hyperparameter sagemaker_submit_directory)")
        .hasMessageContaining("'..'");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "', interpreter: 'python 3'}")))
        .hasMessageContaining("algorithm.interpreter 'python 3' is not a program name");
  }

  @Test
  void aJavaTrainerClassIsNamedWithTheJavaPrefixInBothSpellings() {
    TrainingJobSpec job = kiln("{entryPoint: 'java:com.example.Train', source: '" + SOURCE + "'}");
    assertThat(job.algorithm().script().javaClass()).contains("com.example.Train");
    assertSameJob(SpecJson.fromKilnSpec(SpecJson.toKilnSpec(job), "stored.json"), job);
    assertThat(request(PYTORCH, Map.of("sagemaker_program", "\"java:com.example.Train$Inner\"",
        "sagemaker_submit_directory", "\"" + SOURCE + "\"")).algorithm().script().javaClass())
        .contains("com.example.Train$Inner");
    assertThat(kiln("{entryPoint: train.py, source: '" + SOURCE + "'}").algorithm().script().javaClass()).isEmpty();
    assertThat(error(() -> kiln("{entryPoint: 'java:com.example.', source: '" + SOURCE + "'}"))).hasMessage(
        "Invalid spec s1.yaml: algorithm.entryPoint (hyperparameter sagemaker_program) 'java:com.example.' names no "
            + "Java class; write java: and the class's binary name (java:com.example.Train)");
    assertThat(error(() -> request(PYTORCH, Map.of("sagemaker_program", "\"java:com/example/Train\"",
        "sagemaker_submit_directory", "\"" + SOURCE + "\"")))).hasMessageEndingWith("'java:com/example/Train' names "
        + "no Java class; write java: and the class's binary name (java:com.example.Train)");
  }

  @Test
  void containerEntrypointAndArgumentsOfARequestAreTheScriptsCommand() {
    TrainingJobSpec job = SageMakerRequestMapperTest.map(SageMakerRequestMapperTest.skeletonWith(r -> {
      ObjectNode a = (ObjectNode) r.get("AlgorithmSpecification");
      a.put("TrainingImage", PYTORCH);
      a.remove("MetricDefinitions");
      a.putArray("ContainerEntrypoint").add("/bin/sh").add("-c").add("echo $0");
      a.putArray("ContainerArguments").add("hello");
      ObjectNode hp = r.putObject("HyperParameters");
      hp.put("sagemaker_program", "\"train.py\"").put("sagemaker_submit_directory", "\"" + SOURCE + "\"");
    }));
    assertThat(job.algorithm().script().containerEntrypoint()).containsExactly("/bin/sh", "-c", "echo $0");
    assertThat(job.algorithm().script().containerArguments()).containsExactly("hello");
    assertThat(job.notices()).noneMatch(n -> n.contains("ContainerEntrypoint") || n.contains("ContainerArguments"));
    assertSameJob(SpecJson.fromKilnSpec(SpecJson.toKilnSpec(job), "stored.json"), job);
    assertThat(io.kiln.record.JobRecords.created(job, java.time.Instant.EPOCH, "local[1]", "app", "host", 10, 60)
        .algorithmSpecification().get("ContainerEntrypoint").toString()).isEqualTo("[\"/bin/sh\",\"-c\",\"echo $0\"]");
    // the Kiln spec's spelling
    assertThat(kiln("{entryPoint: train.py, source: '" + SOURCE + "', containerEntrypoint: [bin/run], "
        + "containerArguments: [x]}").algorithm().script().containerEntrypoint()).containsExactly("bin/run");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "', containerArguments: [x]}")))
        .hasMessageEndingWith("AlgorithmSpecification.ContainerArguments (algorithm.containerArguments) is given "
            + "without ContainerEntrypoint (algorithm.containerEntrypoint); Kiln's framework images have no default "
            + "ENTRYPOINT to pass them to: give the program as ContainerEntrypoint, or the arguments as "
            + "algorithm.arguments of the script");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "', containerEntrypoint: ['../x']}")))
        .hasMessageContaining("AlgorithmSpecification.ContainerEntrypoint[0] (algorithm.containerEntrypoint[0]) '../x'");
    assertThat(error(() -> kiln("{entryPoint: train.py, source: '" + SOURCE + "', containerEntrypoint: ['a b']}")))
        .hasMessageContaining("'a b' is not a program; give one word");
  }
}
