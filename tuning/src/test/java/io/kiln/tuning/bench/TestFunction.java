package io.kiln.tuning.bench;

import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Standard global-optimisation test functions on their usual domains, with their known minima
 * (Surjanovic and Bingham's Virtual Library of Simulation Experiments). The Python side,
 * scripts/bench/optuna_tpe.py, defines the same functions.
 */
public enum TestFunction {
  BRANIN("branin", 0.397887357729739, new double[][] {{-5, 10}, {0, 15}}, x -> {
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double t = 1 / (8 * Math.PI);
    double u = x[1] - b * x[0] * x[0] + c * x[0] - 6;
    return u * u + 10 * (1 - t) * Math.cos(x[0]) + 10;
  }),
  HARTMANN6("hartmann6", -3.32236801141551, unitCube(6), x -> {
    double[] alpha = {1.0, 1.2, 3.0, 3.2};
    double[][] a = {{10, 3, 17, 3.5, 1.7, 8}, {0.05, 10, 17, 0.1, 8, 14}, {3, 3.5, 1.7, 10, 17, 8},
        {17, 8, 0.05, 10, 0.1, 14}};
    double[][] p = {{1312, 1696, 5569, 124, 8283, 5886}, {2329, 4135, 8307, 3736, 1004, 9991},
        {2348, 1451, 3522, 2883, 3047, 6650}, {4047, 8828, 8732, 5743, 1091, 381}};
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      double inner = 0;
      for (int j = 0; j < 6; j++) {
        double diff = x[j] - p[i][j] * 1e-4;
        inner += a[i][j] * diff * diff;
      }
      sum += alpha[i] * Math.exp(-inner);
    }
    return -sum;
  }),
  SIX_HUMP_CAMEL("camel", -1.0316284534898774, new double[][] {{-3, 3}, {-2, 2}}, x -> {
    double a = x[0] * x[0];
    double b = x[1] * x[1];
    return (4 - 2.1 * a + a * a / 3) * a + x[0] * x[1] + (-4 + 4 * b) * b;
  }),
  ROSENBROCK4("rosenbrock4", 0, box(4, -5, 10), x -> {
    double sum = 0;
    for (int i = 0; i < x.length - 1; i++) {
      double u = x[i + 1] - x[i] * x[i];
      sum += 100 * u * u + (x[i] - 1) * (x[i] - 1);
    }
    return sum;
  }),
  LEVY4("levy4", 0, box(4, -10, 10), x -> {
    int d = x.length;
    double[] w = new double[d];
    for (int i = 0; i < d; i++) {
      w[i] = 1 + (x[i] - 1) / 4;
    }
    double s = Math.sin(Math.PI * w[0]);
    double sum = s * s;
    for (int i = 0; i < d - 1; i++) {
      double t = Math.sin(Math.PI * w[i] + 1);
      sum += (w[i] - 1) * (w[i] - 1) * (1 + 10 * t * t);
    }
    double last = Math.sin(2 * Math.PI * w[d - 1]);
    return sum + (w[d - 1] - 1) * (w[d - 1] - 1) * (1 + last * last);
  });

  private final String id;
  private final double minimum;
  private final double[][] bounds;
  private final ToDoubleFunction<double[]> f;

  TestFunction(String id, double minimum, double[][] bounds, ToDoubleFunction<double[]> f) {
    this.id = id;
    this.minimum = minimum;
    this.bounds = bounds;
    this.f = f;
  }

  public String id() {
    return id;
  }

  public double minimum() {
    return minimum;
  }

  public int dimensions() {
    return bounds.length;
  }

  /** Linear continuous ranges x0, x1, ... over the function's domain. */
  public SearchSpace space() {
    List<ParameterRange> ranges = new ArrayList<>();
    for (int i = 0; i < bounds.length; i++) {
      ranges.add(new ParameterRange.Continuous("x" + i, bounds[i][0], bounds[i][1], ScalingType.Linear));
    }
    return new SearchSpace(ranges);
  }

  public double value(double[] x) {
    return f.applyAsDouble(x);
  }

  public double value(Map<String, String> hyperparameters) {
    double[] x = new double[bounds.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = Double.parseDouble(hyperparameters.get("x" + i));
    }
    return value(x);
  }

  public static TestFunction byId(String id) {
    for (TestFunction t : values()) {
      if (t.id.equals(id)) {
        return t;
      }
    }
    throw new IllegalArgumentException("no test function " + id);
  }

  private static double[][] unitCube(int d) {
    return box(d, 0, 1);
  }

  private static double[][] box(int d, double lo, double hi) {
    double[][] b = new double[d][];
    for (int i = 0; i < d; i++) {
      b[i] = new double[] {lo, hi};
    }
    return b;
  }
}
