package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.testing.ReferencePython;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The container's own metrics as Kiln computes them (confusion matrices and error sums, added across
 * workers) against scikit-learn's, computed by the container's definitions in Debian's python3-sklearn
 * on the same labels and margins. A two-way split added back together stands for two workers.
 */
@Tag("reference")
class ComputedMetricsTest {
  static final List<String> CLASSIFICATION = List.of("accuracy", "balanced_accuracy", "f1", "f1_macro",
      "precision_macro", "precision_micro", "recall_macro", "recall_micro");
  static final List<String> BINARY = List.of("f1_binary", "precision", "recall");
  static final List<String> REGRESSION = List.of("mse", "rmse", "mae", "r2");

  @BeforeAll
  static void python() {
    ReferencePython.require("sklearn", "numpy");
  }

  record Case(float[] labels, float[][] margins, int classes, List<String> metrics) {}

  @Test
  void everyContainerMetricEqualsScikitLearnsOnTheContainersDefinition() {
    Random r = new Random(42);
    List<Case> cases = new ArrayList<>();
    List<String> binaryMetrics = new ArrayList<>(CLASSIFICATION);
    binaryMetrics.addAll(BINARY);
    binaryMetrics.addAll(REGRESSION);
    // binary, noisy margins
    cases.add(binary(r, 301, 0.6));
    // binary where the model predicts one class only (zero divisions, a class never predicted)
    Case never = binary(r, 50, 0);
    for (float[] m : never.margins()) {
      m[0] = -Math.abs(m[0]) - 0.1f;
    }
    cases.add(never);
    // every label 0, every prediction 0: macro scores over the one class there is
    float[] zeros = new float[20];
    float[][] negative = new float[20][];
    for (int i = 0; i < 20; i++) {
      negative[i] = new float[] {-1 - r.nextFloat()};
    }
    cases.add(new Case(zeros, negative, 2, binaryMetrics));
    // three classes (iris-like), one of them never predicted
    int n = 157;
    float[] y = new float[n];
    float[][] m = new float[n][3];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(3);
      for (int k = 0; k < 3; k++) {
        m[i][k] = (float) r.nextGaussian() + (k == y[i] ? 1.2f : 0f) - (k == 2 ? 5f : 0f);
      }
    }
    cases.add(new Case(y, m, 3, CLASSIFICATION));
    // regression: margins near the labels; and a constant label (r2's special cases)
    float[] yr = new float[97];
    float[][] mr = new float[97][1];
    for (int i = 0; i < yr.length; i++) {
      yr[i] = 25 + 300 * r.nextFloat();
      mr[i][0] = yr[i] + (float) r.nextGaussian() * 40;
    }
    cases.add(new Case(yr, mr, 2, REGRESSION));
    float[] constant = new float[10];
    java.util.Arrays.fill(constant, 3f);
    float[][] exact = new float[10][];
    for (int i = 0; i < 10; i++) {
      exact[i] = new float[] {3f};
    }
    cases.add(new Case(constant, exact, 2, REGRESSION));

    List<Map<String, Object>> request = new ArrayList<>();
    for (Case c : cases) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("labels", c.labels());
      one.put("margins", c.margins()[0].length == 1 ? column(c.margins()) : c.margins());
      one.put("metrics", c.metrics());
      request.add(one);
    }
    JsonNode ref = ReferencePython.call(ComputedMetricsTest.class, "/reference/container_metrics.py",
        Map.of("cases", request));
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      // as two workers: each adds up its half, the sums are added
      int half = c.labels().length / 2;
      Map<String, Double> kiln = ComputedMetrics.compute(c.margins(), c.labels(), c.labels().length, c.classes(),
          c.metrics(), s -> s);
      Map<String, Double> split = twoWorkers(c, half);
      for (String metric : c.metrics()) {
        double expected = ref.get("results").get(i).get(metric).asDouble();
        assertThat(kiln.get(metric)).as("case %d %s", i, metric).isCloseTo(expected, within(1e-9));
        assertThat(split.get(metric)).as("case %d %s on two workers", i, metric).isCloseTo(expected, within(1e-9));
      }
    }
  }

  /**
   * Two workers, each on its half of the rows, in two threads: each collective sum waits for the
   * other worker's vector and returns the element-wise sum, as XGBoost's allreduce does.
   */
  static Map<String, Double> twoWorkers(Case c, int half) {
    double[][] slots = new double[2][];
    java.util.concurrent.CyclicBarrier barrier = new java.util.concurrent.CyclicBarrier(2);
    List<Map<String, Double>> results = new ArrayList<>(List.of(Map.of(), Map.of()));
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < 2; w++) {
      int worker = w;
      int from = w == 0 ? 0 : half;
      int to = w == 0 ? half : c.labels().length;
      threads.add(new Thread(() -> {
        java.util.function.UnaryOperator<double[]> sum = v -> {
          try {
            slots[worker] = v;
            barrier.await();
            double[] total = new double[v.length];
            for (int j = 0; j < v.length; j++) {
              total[j] = slots[0][j] + slots[1][j];
            }
            barrier.await();
            return total;
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };
        results.set(worker, ComputedMetrics.compute(java.util.Arrays.copyOfRange(c.margins(), from, to),
            java.util.Arrays.copyOfRange(c.labels(), from, to), to - from, c.classes(), c.metrics(), sum));
      }));
    }
    threads.forEach(Thread::start);
    for (Thread t : threads) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
    assertThat(results.get(1)).isEqualTo(results.get(0));
    return results.get(0);
  }

  static Case binary(Random r, int n, double signal) {
    float[] y = new float[n];
    float[][] m = new float[n][1];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextDouble() < 0.4 ? 1 : 0;
      m[i][0] = (float) (r.nextGaussian() + (y[i] == 1 ? signal : -signal));
    }
    List<String> metrics = new ArrayList<>(CLASSIFICATION);
    metrics.addAll(BINARY);
    metrics.addAll(REGRESSION);
    return new Case(y, m, 2, metrics);
  }

  static float[] column(float[][] m) {
    float[] out = new float[m.length];
    for (int i = 0; i < m.length; i++) {
      out[i] = m[i][0];
    }
    return out;
  }
}
