package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Script jobs pass the contract every built-in passes, with a real script: {@code softmax.py}
 * (standard library only) trains softmax regression on iris by gradient descent, one epoch a step
 * (its {@code loss=} lines are the job's MetricDefinition, so the stop and the kill land on its own
 * steps), saves its state in {@code checkpoints/} each epoch and resumes from it. The request names
 * the PyTorch framework image with the SDK's {@code sagemaker_program} / {@code
 * sagemaker_submit_directory}; the source is a local {@code sourcedir.tar.gz} (the driver reads it and
 * ships it in the worker function, so the standalone cluster needs no S3).
 *
 * <p>The bad hyperparameter is one Kiln itself checks ({@code sagemaker_container_log_level}); the
 * bad data file is found by the script, which names the file and line in {@code output/failure} as a
 * {@code ClientError}. After the executor's SIGKILL, the retried script finds the state the
 * checkpoint sync uploaded (every second here) and says where it resumed.
 */
class ScriptContractTest extends AlgorithmContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> ROWS = SharedData.iris();
  private static String source;

  private static synchronized String source() {
    if (source == null) {
      try {
        Path file = TestSpark.tempDir("kiln-script-contract-").resolve("sourcedir.tar.gz");
        Files.write(file, ScriptJobs.tarGz(Map.of("softmax.py", ScriptJobs.resource("scripts/softmax.py"))));
        source = file.toUri().toString();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return source;
  }

  private static ChannelData csv(List<String> lines) {
    return new ChannelData("text/csv", Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  private static Map<String, String> script(String... hyperparameters) {
    Map<String, String> hp = new LinkedHashMap<>();
    hp.put("sagemaker_program", "\"softmax.py\""); // JSON-encoded, as the SDK sends them
    hp.put("sagemaker_submit_directory", "\"" + source() + "\"");
    for (int i = 0; i < hyperparameters.length; i += 2) {
      hp.put(hyperparameters[i], hyperparameters[i + 1]);
    }
    return hp;
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new ScriptAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return ScriptJobs.PYTORCH_IMAGE;
  }

  @Override
  protected Map<String, String> metricDefinitions() {
    return Map.of("train:loss", "loss=([0-9.]+)");
  }

  @Override
  protected Pattern resumedFrom() {
    return Pattern.compile("Resumed from the checkpoint after epoch (\\d+)");
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    return Map.of("train", csv(ROWS));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return script("epochs", "4", "lr", "0.5");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    return script("epochs", "30", "lr", "0.5", "sleep", "0.5",
        "sagemaker_container_log_level", "20");
  }

  /** Steps are epochs of 0.5 s; the kill at epoch 8 comes after syncs of earlier epochs' state. */
  @Override
  protected int checkpointIntervalRounds() {
    return 4;
  }

  @Override
  protected Map<String, String> clusterConf() {
    return Map.of(ScriptAlgorithm.CHECKPOINT_SYNC_KEY, "1");
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(script("epochs", "4", "sagemaker_container_log_level", "loud"), smokeChannels(),
        List.of("sagemaker_container_log_level is 'loud'", "integer"));
  }

  @Override
  protected BadJob badData() {
    return new BadJob(script("epochs", "2"), Map.of("train", csv(List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5"))),
        List.of("data.csv line 3", "'x'"));
  }

  /** The script's model.json scores iris (softmax of w·x + b over standardised features) at 0.8 or more. */
  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    byte[] bytes = modelFiles.get("model.json");
    assertThat(bytes).as("model.tar.gz holds model.json").isNotNull();
    JsonNode m = JSON.readTree(bytes);
    int right = 0;
    for (String row : ROWS) {
      String[] cells = row.split(",");
      int best = -1;
      double top = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < m.get("w").size(); c++) {
        JsonNode w = m.get("w").get(c);
        double z = w.get(w.size() - 1).asDouble();
        for (int j = 1; j < cells.length; j++) {
          double x = (Double.parseDouble(cells[j]) - m.get("mean").get(j - 1).asDouble()) / m.get("std").get(j - 1)
              .asDouble();
          z += w.get(j - 1).asDouble() * x;
        }
        if (z > top) {
          top = z;
          best = c;
        }
      }
      right += best == (int) Double.parseDouble(cells[0]) ? 1 : 0;
    }
    assertThat(right / (double) ROWS.size()).as("training accuracy after %s epochs", m.get("epochs"))
        .isGreaterThanOrEqualTo(0.8);
  }
}
