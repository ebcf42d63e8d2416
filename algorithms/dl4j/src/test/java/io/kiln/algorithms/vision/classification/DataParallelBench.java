package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.VisionJobs;
import io.kiln.algorithms.vision.training.DataParallelStep;
import io.kiln.algorithms.vision.training.ParameterAveraging;
import io.kiln.algorithms.vision.training.SynchronousSgd;
import io.kiln.runner.Algorithms;
import io.kiln.runner.JobResult;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.spec.SpecReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 13's data-parallel measurement: ImageClassificationTest's digit job (ResNet-20, 1,438 real
 * 8x8 digit PNGs, 4 epochs) at 1 and 2 workers under each mechanism, synchronous gradient
 * all-reduce ({@link SynchronousSgd}) and parameter averaging every {@code period} steps
 * ({@link ParameterAveraging}), on the module's shared local Spark session. Prints a Markdown table:
 * seconds per epoch from the job log ({@code Epoch[n] Time cost}) and validation:accuracy.
 * {@code java -cp <test classpath> io.kiln.algorithms.vision.classification.DataParallelBench [period]}
 * (run by {@code scripts/bench-dl4j-parallel}).
 */
public final class DataParallelBench {
  private DataParallelBench() {}

  public static void main(String[] args) throws Exception {
    int period = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    ImageClassificationTest.upload();
    List<String> rows = new ArrayList<>();
    String[][] runs = {{"synchronous gradient all-reduce (Kiln)", "1"}, {"synchronous gradient all-reduce (Kiln)", "2"},
        {"parameter averaging every " + period + " steps", "2"}};
    for (String[] run : runs) {
      DataParallelStep.Factory steps = run[0].startsWith("synchronous") ? SynchronousSgd.FACTORY
          : ParameterAveraging.every(period);
      int workers = Integer.parseInt(run[1]);
      TrainingJobRunner runner = new TrainingJobRunner(VisionJobs.spark(), VisionJobs.runner().store(),
          new Algorithms(List.of(new ImageClassificationAlgorithm(steps))));
      String name = "dp-" + (run[0].startsWith("synchronous") ? "sync" : "avg" + period) + "-" + workers + "-"
          + System.currentTimeMillis();
      JobResult r = runner.run(SpecReader.readTrainingJob(VisionJobs.request(VisionJobs.IC_IMAGE, name,
          ImageClassificationTest.resnet20(4), ImageClassificationTest.channels(), workers).toString(), name + ".json"));
      List<Double> times = new ArrayList<>();
      List<Double> accuracies = new ArrayList<>();
      for (String line : runner.store().readLog(name).orElse("").split("\n")) {
        if (line.contains("[worker 0] Epoch[") && line.contains("Time cost=")) {
          times.add(Double.parseDouble(line.substring(line.indexOf("Time cost=") + 10).trim()));
        }
        if (line.contains("[worker 0] Epoch[") && line.contains("Validation-accuracy=")) {
          accuracies.add(Double.parseDouble(line.substring(line.indexOf("Validation-accuracy=") + 20).trim()));
        }
      }
      Map<String, Double> finals = new java.util.LinkedHashMap<>();
      runner.store().load(name).orElseThrow().finalMetricDataList().forEach(m -> finals.put(m.metricName(), m.value()));
      rows.add(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.3f |", run[0], workers, format(times, "%.1f"),
          format(accuracies, "%.3f"), finals.getOrDefault("validation:accuracy", Double.NaN)) + " " + r.status());
    }
    System.out.println("| mechanism | workers | seconds per epoch (epochs 1-4) | validation:accuracy (epochs 1-4) | model |");
    System.out.println("|---|---|---|---|---|");
    rows.forEach(System.out::println);
    System.exit(0);
  }

  private static String format(List<Double> values, String pattern) {
    List<String> out = new ArrayList<>();
    values.forEach(v -> out.add(String.format(Locale.ROOT, pattern, v)));
    return String.join(", ", out);
  }
}
