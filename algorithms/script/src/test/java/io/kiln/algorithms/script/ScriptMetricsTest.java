package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.barrier.ControlServer;
import io.kiln.record.JobRecord;
import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.Algorithms;
import io.kiln.runner.JobListener;
import io.kiln.runner.JobResult;
import io.kiln.spec.SpecReader;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.tuning.driver.TrialRecord;
import io.kiln.tuning.driver.TuningJobRunner;
import io.kiln.tuning.driver.TuningJobStatus;
import io.kiln.tuning.driver.TuningRecord;
import io.kiln.tuning.driver.TuningResult;
import io.kiln.tuning.spec.TuningSpecReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A script's output on its way to the driver, on the shared session of {@link ScriptJobs}: its lines
 * arrive in batches (complete, in order, in far fewer messages than lines), the job's
 * MetricDefinitions turn them into live metrics (the metric stream, FinalMetricDataList), and a
 * tuning job tunes a script's objective with early stopping. The scripts are standard-library
 * Python: {@code scripts/chatty.py} prints many lines, {@code scripts/curve.py} a loss curve its
 * {@code quality} hyperparameter decides.
 */
@Tag("spark")
@Tag("s3")
class ScriptMetricsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> ENVIRONMENT = Map.of("PATH", "/usr/bin:/bin");
  /** SageMaker's usual shape of a metric regex: the number after the name. */
  private static final String LOSS_REGEX = "validation:loss=(\\S+)";

  @BeforeAll
  static void start() {
    ScriptJobs.spark();
  }

  /** The SDK's hyperparameters for {@code program} in {@code source}, plus the script's own. */
  private static Map<String, String> hyperparameters(String program, String source, Map<String, String> own) {
    Map<String, String> hp = new LinkedHashMap<>(own);
    hp.put("sagemaker_program", "\"" + program + "\"");
    hp.put("sagemaker_submit_directory", "\"" + source + "\"");
    return hp;
  }

  private static String source(String key, String script) {
    return ScriptJobs.put(key, ScriptJobs.tarGz(Map.of(script, ScriptJobs.resource("scripts/" + script))));
  }

  private static Map<String, ScriptJobs.Channel> oneChannel(String key) {
    ScriptJobs.put("data/" + key + "/x.csv", "1\n");
    return Map.of("train", new ScriptJobs.Channel("s3://" + ScriptJobs.BUCKET + "/data/" + key + "/", "text/csv",
        "FullyReplicated"));
  }

  /** {@code request} with AlgorithmSpecification.MetricDefinitions (name, regex pairs). */
  private static String withMetrics(String request, String... nameRegex) throws Exception {
    ObjectNode r = (ObjectNode) JSON.readTree(request);
    var defs = ((ObjectNode) r.get("AlgorithmSpecification")).putArray("MetricDefinitions");
    for (int i = 0; i < nameRegex.length; i += 2) {
      defs.addObject().put("Name", nameRegex[i]).put("Regex", nameRegex[i + 1]);
    }
    return r.toString();
  }

  @Test
  void theScriptsLinesReachTheLogCompleteInOrderInFewMessages() {
    String name = "script-chatty";
    int lines = 10_000;
    String source = source("src/chatty/sourcedir.tar.gz", "chatty.py");
    long batchesBefore = ControlServer.requestsServed("lines");
    long singleBefore = ControlServer.requestsServed("log");
    JobResult r = ScriptJobs.run(ScriptJobs.request(name, hyperparameters("chatty.py", source,
        Map.of("lines", String.valueOf(lines))), oneChannel("chatty"), 2, ENVIRONMENT), name + ".json");
    long batches = ControlServer.requestsServed("lines") - batchesBefore;
    long single = ControlServer.requestsServed("log") - singleBefore;
    assertThat(r.failureReason()).isNull();
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Completed);

    // every line, in the order printed, on each worker, under its host
    Pattern line = Pattern.compile("\\[worker (\\d)\\] \\[(127\\.0\\.0\\.\\d)\\] (out|err) (\\d) (\\d+)$");
    Map<String, List<Integer>> seen = new LinkedHashMap<>();
    for (String entry : ScriptJobs.log(name).split("\n")) {
      Matcher m = line.matcher(entry);
      if (m.find()) {
        assertThat(m.group(1)).isEqualTo(m.group(4)); // the worker's own lines
        assertThat(m.group(2)).isEqualTo("127.0.0." + (Integer.parseInt(m.group(1)) + 1));
        seen.computeIfAbsent(m.group(3) + m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(m.group(5)));
      }
    }
    List<Integer> out = new ArrayList<>();
    List<Integer> err = new ArrayList<>();
    for (int i = 0; i < lines; i++) {
      out.add(i);
      if (i % 10 == 0) {
        err.add(i);
      }
    }
    for (int w = 0; w < 2; w++) {
      assertThat(seen.get("out" + w)).as("worker %d's stdout", w).isEqualTo(out);
      assertThat(seen.get("err" + w)).as("worker %d's stderr", w).isEqualTo(err);
    }
    // 22,000 lines in a few dozen messages at most: at most 2,000 lines a message (so at least 6 a
    // worker), one every 200 ms while lines come; the single lines are Kiln's own (the command run)
    System.out.printf("script-chatty: %d lines in %d batched messages (+%d single lines)%n", 2 * (lines + lines / 10),
        batches, single);
    assertThat(batches).isBetween(12L, 100L);
    assertThat(single).isLessThan(20L);
  }

  @Test
  void metricDefinitionsReadTheScriptsLinesLiveIntoTheMetricStream() throws Exception {
    String name = "script-metrics";
    String source = source("src/metrics/sourcedir.tar.gz", "curve.py");
    String request = withMetrics(ScriptJobs.request(name, hyperparameters("curve.py", source,
        Map.of("quality", "0.25", "epochs", "4", "sleep", "0.6")), oneChannel("metrics"), 1, ENVIRONMENT),
        "validation:loss", LOSS_REGEX, "train:loss", "train:loss=([0-9.]+)");
    List<Double> values = new ArrayList<>();
    List<Long> arrivals = new ArrayList<>();
    List<Integer> steps = new ArrayList<>();
    JobResult r = ScriptJobs.runner().run(SpecReader.readTrainingJob(request, name + ".json"), new JobListener() {
      @Override
      public void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
        Double v = metrics.get("validation:loss");
        if (v != null) {
          synchronized (values) {
            values.add(v);
            steps.add(round);
            arrivals.add(System.nanoTime());
          }
        }
      }
    });
    long ended = System.nanoTime();
    assertThat(r.failureReason()).isNull();
    // each epoch's value is a step of the live stream (what the progress line and early stopping read)
    assertThat(values).hasSize(4);
    assertThat(steps).containsExactly(0, 1, 2, 3);
    double[] expected = {1.25, 0.75, 0.25 + 1.0 / 3, 0.5};
    for (int i = 0; i < 4; i++) {
      assertThat(values.get(i)).isCloseTo(expected[i], within(1e-6));
    }
    // live: they arrived as the script printed them (0.6 s apart), not all at its end
    assertThat((arrivals.get(3) - arrivals.get(0)) / 1e9).isGreaterThan(1.2);
    assertThat((ended - arrivals.get(0)) / 1e9).isGreaterThan(1.2);

    JobRecord rec = ScriptJobs.runner().store().load(name).orElseThrow();
    Map<String, JobRecord.MetricData> finals = new LinkedHashMap<>();
    rec.finalMetricDataList().forEach(m -> finals.put(m.metricName(), m));
    // the last number of each: the final "validation:loss=n/a" line is no number, so skipped
    assertThat(finals.get("validation:loss").value()).isCloseTo(0.5, within(1e-6));
    assertThat(finals.get("train:loss").value()).isCloseTo(0.25, within(1e-6));
    // stamped when the value was printed (reached the driver), before the job ended
    assertThat(finals.get("validation:loss").timestamp()).isBefore(rec.trainingEndTime());
    long history = rec.kiln().metricHistory().stream().filter(h -> h.metrics().containsKey("validation:loss")).count();
    assertThat(history).isEqualTo(4);
    assertThat(ScriptJobs.log(name)).contains("[worker 0] [", "] epoch 1: validation:loss=1.250000");
  }

  @Test
  void aBadMetricRegexIsAUserErrorNamingTheMetricAndTheRegex() throws Exception {
    String request = withMetrics(ScriptJobs.request("script-bad-regex", hyperparameters("curve.py",
        "s3://" + ScriptJobs.BUCKET + "/src/none.tar.gz", Map.of()), oneChannel("bad-regex"), 1, ENVIRONMENT),
        "validation:loss", "validation:loss=([0-9.]+");
    assertThatThrownBy(() -> SpecReader.readTrainingJob(request, "bad.json"))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.USER))
        .hasMessageContaining("MetricDefinitions 'validation:loss'")
        .hasMessageContaining("Regex 'validation:loss=([0-9.]+'");
  }

  /** A Kiln tuning spec over curve.py: {@code quality} takes each of {@code qualities} in turn. */
  private static String tuningSpec(String name, String objective, String qualities, String source) {
    ScriptJobs.put("data/" + name + "/x.csv", "1\n");
    return """
        {"name": "%s", "strategy": "Grid",
         "objective": {"type": "Minimize", "metric": "%s"},
         "parameterRanges": [{"name": "quality", "type": "Categorical", "values": %s}],
         "maxParallelTrainingJobs": 1, "earlyStopping": "Auto",
         "trainingJob": {
           "algorithm": {"entryPoint": "curve.py", "source": "%s", "interpreter": "%s"},
           "hyperparameters": {"epochs": "10", "sleep": "0.2"},
           "metricDefinitions": [{"name": "validation:loss", "regex": "%s"}],
           "channels": [{"name": "train", "uri": "s3://%s/data/%s/"}],
           "outputPath": "s3://%s/output/", "resources": {"workers": 1}}}
        """.formatted(name, objective, qualities, source, ScriptJobs.PYTHON, LOSS_REGEX.replace("\\", "\\\\"),
        ScriptJobs.BUCKET, name, ScriptJobs.BUCKET);
  }

  @Test
  void aTuningJobOverAScriptObjectiveFindsTheBestAndStopsAPoorTrialEarly() {
    String name = "tune-script";
    String source = source("src/tune/sourcedir.tar.gz", "curve.py");
    TuningJobRunner tuner = new TuningJobRunner(ScriptJobs.runner(), Algorithms.load());
    // three trials finish (early stopping needs three), the fourth is far worse from its first epoch
    TuningResult r = tuner.run(TuningSpecReader.readTuningJob(tuningSpec(name, "validation:loss",
        "[\"0.3\", \"0.1\", \"0.2\", \"5\"]", source), name + ".json"));
    assertThat(r.status()).isEqualTo(TuningJobStatus.Completed);
    TuningRecord rec = tuner.store().load(name).orElseThrow();
    List<TrialRecord> trials = rec.kiln().trials();
    assertThat(trials).hasSize(4);
    assertThat(trials.subList(0, 3)).allMatch(t -> t.status().equals("Completed"))
        .allMatch(t -> t.curve().size() == 10);
    TrialRecord best = trials.get(1);
    assertThat(best.tunedHyperParameters()).containsEntry("quality", "0.1");
    assertThat(r.bestTrainingJob()).isEqualTo(best.trainingJobName());
    assertThat(r.bestObjective()).isCloseTo(0.1 + 1.0 / 10, within(1e-6));

    TrialRecord poor = trials.get(3);
    assertThat(poor.tunedHyperParameters()).containsEntry("quality", "5");
    assertThat(poor.status()).isEqualTo("Stopped");
    assertThat(poor.curve()).hasSizeLessThan(10).first().satisfies(v -> assertThat(v).isCloseTo(6.0, within(1e-6)));
    JobRecord stopped = ScriptJobs.runner().store().load(poor.trainingJobName()).orElseThrow();
    assertThat(stopped.trainingJobStatus()).isEqualTo(TrainingJobStatus.Stopped);
    assertThat(stopped.secondaryStatusTransitions()).anySatisfy(t ->
        assertThat(t.statusMessage()).contains("Stopped by early stopping"));
    assertThat(stopped.modelArtifacts()).isNotNull(); // the model the script had written when stopped
  }

  @Test
  void aSageMakerTuningRequestOverAFrameworkImageTunesItsMetricDefinition() throws Exception {
    // the training job definition as the SDK's HyperparameterTuner sends it for a PyTorch estimator
    ObjectNode job = (ObjectNode) JSON.readTree(withMetrics(ScriptJobs.request("unused", Map.of(),
        oneChannel("tune-sm"), 1, Map.of()), "validation:loss", LOSS_REGEX));
    job.remove("TrainingJobName");
    job.remove("HyperParameters");
    job.putObject("StaticHyperParameters").put("sagemaker_program", "\"curve.py\"")
        .put("sagemaker_submit_directory", "\"s3://" + ScriptJobs.BUCKET + "/src/tune/sourcedir.tar.gz\"");
    ObjectNode request = JSON.createObjectNode().put("HyperParameterTuningJobName", "tune-script-sm");
    ObjectNode config = request.putObject("HyperParameterTuningJobConfig").put("Strategy", "Random")
        .put("TrainingJobEarlyStoppingType", "Auto");
    config.putObject("HyperParameterTuningJobObjective").put("Type", "Minimize").put("MetricName", "validation:loss");
    config.putObject("ResourceLimits").put("MaxNumberOfTrainingJobs", 4).put("MaxParallelTrainingJobs", 1);
    config.putObject("ParameterRanges").putArray("ContinuousParameterRanges").addObject().put("Name", "quality")
        .put("MinValue", "0").put("MaxValue", "1");
    request.set("TrainingJobDefinition", job);
    io.kiln.tuning.spec.TuningJobSpec spec = TuningSpecReader.readTuningJob(request.toString(), "tune.json");
    assertThat(spec.trainingJob().metricDefinitions()).extracting(io.kiln.spec.MetricDefinition::name)
        .containsExactly("validation:loss");
    Algorithms algorithms = Algorithms.load();
    assertThat(algorithms.resolve(spec.trainingJob().algorithm()).metricsFromDefinitions()).isTrue();
    algorithms.checkObjective(spec.trainingJob(), "validation:loss", "HyperParameterTuningJobObjective.MetricName");
    assertThatThrownBy(() -> algorithms.checkObjective(spec.trainingJob(), "validation:accuracy",
        "HyperParameterTuningJobObjective.MetricName"))
        .hasMessageStartingWith("HyperParameterTuningJobObjective.MetricName 'validation:accuracy' is not one of the "
            + "training job's MetricDefinitions (validation:loss)");
  }

  @Test
  void aScriptsTuningObjectiveMustBeOneOfItsMetricDefinitions() {
    TuningJobRunner tuner = new TuningJobRunner(ScriptJobs.runner(), Algorithms.load());
    assertThatThrownBy(() -> tuner.run(TuningSpecReader.readTuningJob(tuningSpec("tune-script-undefined",
        "validation:los", "[\"0.1\"]", "s3://" + ScriptJobs.BUCKET + "/src/none.tar.gz"), "undefined.json")))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.USER))
        .hasMessageContaining("'validation:los' is not one of the training job's MetricDefinitions (validation:loss)")
        .hasMessageContaining("did you mean 'validation:loss'?");
  }
}
