package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.KilnException;
import io.kiln.spi.Rendezvous;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract's parts that need no Spark: which hyperparameters are the script's, the host names
 * workers get, and where the interpreter is looked for.
 */
class ContainerContractTest {
  private static ContainerContract contract(Map<String, String> hyperparameters) {
    Map<String, ContainerContract.ChannelConfig> channels = new LinkedHashMap<>();
    channels.put("train", new ContainerContract.ChannelConfig("text/csv", "File", "FullyReplicated", "S3Prefix"));
    return new ContainerContract("job", hyperparameters, List.of("10.0.0.5", "10.0.0.6"), 1, "eth0", channels,
        Path.of("/work/root"), 4, 0, "src/train.py", "s3://b/src.tar.gz");
  }

  @Test
  void theScriptsHyperparametersLeaveOutTheSdksAndTheTunersOwn() {
    ContainerContract c = contract(Map.of("epochs", "3", "_tuning_objective_metric", "\"validation:loss\"",
        "sagemaker_program", "\"train.py\"", "sagemaker_distributed_dataparallel_enabled", "true",
        "default_user_module_name", "\"x\"", "b", "x y"));
    assertThat(PythonValues.dumps(c.scriptHyperparameters())).isEqualTo("{\"b\":\"x y\",\"epochs\":3}");
    assertThat(PythonValues.dumps(c.frameworkParameters()))
        .isEqualTo("{\"sagemaker_distributed_dataparallel_enabled\":true}");
    assertThat(c.userArgs()).containsExactly("-b", "x y", "--epochs", "3");
    Map<String, String> env = c.environment(null);
    assertThat(env).containsEntry("SM_CURRENT_HOST", "10.0.0.6").containsEntry("SM_MODULE_NAME", "src/train")
        .containsEntry("SM_CHANNEL_TRAIN", "/work/root/input/data/train").containsEntry("SAGEMAKER_REGION", "")
        .containsEntry("SM_LOG_LEVEL", "20").doesNotContainKey("SM_HP__TUNING_OBJECTIVE_METRIC");
    assertThat(contract(Map.of()).environment("eu-west-1")).containsEntry("SAGEMAKER_REGION", "eu-west-1");
    assertThat(PythonValues.dumps(c.resourceConfig())).isEqualTo("{\"current_group_name\":\"homogeneousCluster\","
        + "\"current_host\":\"10.0.0.6\",\"current_instance_type\":\"local\",\"hosts\":[\"10.0.0.5\",\"10.0.0.6\"],"
        + "\"instance_groups\":[{\"hosts\":[\"10.0.0.5\",\"10.0.0.6\"],\"instance_group_name\":\"homogeneousCluster\","
        + "\"instance_type\":\"local\"}],\"network_interface_name\":\"eth0\"}");
  }

  private static Rendezvous rendezvous(String... hosts) {
    List<Rendezvous.Peer> peers = new java.util.ArrayList<>();
    for (int i = 0; i < hosts.length; i++) {
      peers.add(new Rendezvous.Peer(i, hosts[i], 40000 + i));
    }
    return new Rendezvous(0, peers);
  }

  @Test
  void workersOnOneLoopbackHostGetDistinctLoopbackNamesOthersKeepTheirHosts() {
    assertThat(ScriptWorker.hostNames(rendezvous("127.0.0.1", "127.0.0.1", "127.0.0.1")))
        .containsExactly("127.0.0.1", "127.0.0.2", "127.0.0.3");
    assertThat(ScriptWorker.hostNames(rendezvous("localhost", "localhost"))).containsExactly("127.0.0.1", "127.0.0.2");
    assertThat(ScriptWorker.hostNames(rendezvous("127.0.0.1"))).containsExactly("127.0.0.1");
    assertThat(ScriptWorker.hostNames(rendezvous("10.1.2.3", "10.1.2.4"))).containsExactly("10.1.2.3", "10.1.2.4");
    assertThat(ScriptWorker.interfaceName("127.0.0.2")).isEqualTo("lo");
  }

  @Test
  void credentialsComeFromTheS3aSettingsAndAnEndpointOnlyWhenItIsNotAws() {
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration(false);
    conf.set("fs.s3a.access.key", "AKIAEXAMPLE");
    conf.set("fs.s3a.secret.key", "secret");
    conf.set("fs.s3a.endpoint.region", "eu-west-1");
    conf.set("fs.s3a.endpoint", "s3.eu-west-1.amazonaws.com");
    assertThat(ScriptAlgorithm.credentials(conf)).containsExactly(Map.entry("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        Map.entry("AWS_SECRET_ACCESS_KEY", "secret"), Map.entry("AWS_REGION", "eu-west-1"),
        Map.entry("AWS_DEFAULT_REGION", "eu-west-1"));
    conf.set("fs.s3a.endpoint", "127.0.0.1:9000");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    assertThat(ScriptAlgorithm.credentials(conf)).containsEntry("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000")
        .containsEntry("AWS_ENDPOINT_URL", "http://127.0.0.1:9000");
    assertThat(ScriptAlgorithm.credentials(new org.apache.hadoop.conf.Configuration(false))).isEmpty();
  }

  @Test
  void outputLinesEndAtAnyLineBreakAndALongLineComesInPieces() throws Exception {
    String text = "a\r\nb\rc\n\n" + "x".repeat(ScriptOutput.MAX_LINE + 5) + "\n" + "z".repeat(ScriptOutput.MAX_LINE)
        + "\r\n" + "w".repeat(ScriptOutput.MAX_LINE) + "\nlast";
    java.io.BufferedReader r = new java.io.BufferedReader(new java.io.StringReader(text));
    List<String> lines = new java.util.ArrayList<>();
    for (String line; (line = ScriptOutput.readLine(r)) != null; ) {
      lines.add(line);
    }
    assertThat(lines).containsExactly("a", "b", "c", "", "x".repeat(ScriptOutput.MAX_LINE), "xxxxx",
        "z".repeat(ScriptOutput.MAX_LINE), "w".repeat(ScriptOutput.MAX_LINE), "last");
  }

  @Test
  void anImpossibleDistributionOrABadLogLevelIsRefusedWhenTheJobIsAdmitted() {
    ScriptAlgorithm a = new ScriptAlgorithm();
    assertThat(a.hyperparameters(Map.of("sagemaker_mpi_enabled", "false", "epochs", "3")).raw()).hasSize(2);
    assertThat(a.hyperparameters(Map.of("sagemaker_torch_distributed_enabled", "true")).raw()).hasSize(1);
    assertThat(catchThrowableOfType(() -> a.hyperparameters(Map.of("sagemaker_pytorch_xla_multi_worker_enabled",
        "true")), KilnException.class)).hasMessageStartingWith("Hyperparameter sagemaker_pytorch_xla_multi_worker_"
            + "enabled is true (the estimator's distribution pytorchxla), which needs XLA devices");
    assertThat(catchThrowableOfType(() -> a.hyperparameters(Map.of("sagemaker_container_log_level", "\"INFO\"")),
        KilnException.class)).hasMessageContaining("sagemaker_container_log_level is '\"INFO\"'");
  }

  @Test
  void theInterpreterIsFoundOnThePathOrByItsAbsolutePath() {
    assertThat(ScriptWorker.resolveInterpreter("python3", "/nonexistent:/usr/bin", "h")).isEqualTo("/usr/bin/python3");
    assertThat(ScriptWorker.resolveInterpreter("/usr/bin/python3", null, "h")).isEqualTo("/usr/bin/python3");
    assertThat(catchThrowableOfType(() -> ScriptWorker.resolveInterpreter("python-kiln-nope", "/usr/bin:/bin", "h1"),
        KilnException.class)).hasMessage("The script's interpreter 'python-kiln-nope' (algorithm.interpreter; "
            + "default python3) is not on worker h1's PATH (/usr/bin:/bin); install it on every worker or set "
            + "algorithm.interpreter to its absolute path");
  }
}
