package io.kiln.tuning.strategy.gp;

/**
 * Minimises a smooth function inside a box with limited-memory BFGS, projected onto the box: the
 * quasi-Newton direction is computed over the coordinates not held at a bound, steps follow the
 * projected path, and a backtracking line search enforces sufficient decrease. A simplified
 * L-BFGS-B, enough for the few dozen variables of a kernel fit or an acquisition search.
 *
 * <p>Kept over Breeze's {@code breeze.optimize.LBFGSB} (issue 10, item 7; figures and command in
 * docs/benchmarks.md, {@code scripts/bench-lbfgs}): inside Bayesian search on bench-tuning's seeds,
 * 13 % of Breeze's proposals differed by more than 1e-6 (up to 1.0 in the unit cube), and its fits
 * were slower: 6–10x on the kernel fit and 15–38x on the acquisition search (medians of two runs),
 * 2.8–3.1x and 3.5–6x at 200 observations; its strong-Wolfe line search failed 3,334 times a run.
 */
public final class Lbfgs implements BoxMinimizer {
  private static final int MEMORY = 8;
  private static final double ARMIJO = 1e-4;
  private static final int MAX_BACKTRACKS = 25;

  /** A function and its gradient. */
  @FunctionalInterface
  public interface Objective {
    /** Returns f(x) and writes its gradient into {@code gradient}; may return NaN or infinity where undefined. */
    double evaluate(double[] x, double[] gradient);
  }

  /** Where the search ended, its value, and how many times the objective was evaluated. */
  public record Result(double[] x, double value, int evaluations) {
  }

  private final int maxIterations;
  private final double gradientTolerance;
  private final double valueTolerance;
  private final double maxStep;

  /**
   * @param maxIterations quasi-Newton iterations at most
   * @param gradientTolerance stop when every free coordinate of the gradient is smaller
   * @param valueTolerance stop when an iteration improves f by less than this, relative to max(1, |f|)
   * @param maxStep the largest move of any coordinate in one iteration
   */
  public Lbfgs(int maxIterations, double gradientTolerance, double valueTolerance, double maxStep) {
    this.maxIterations = maxIterations;
    this.gradientTolerance = gradientTolerance;
    this.valueTolerance = valueTolerance;
    this.maxStep = maxStep;
  }

  @Override
  public Result minimize(Objective f, double[] start, double[] lower, double[] upper) {
    int n = start.length;
    double[] x = project(start.clone(), lower, upper);
    double[] g = new double[n];
    double fx = f.evaluate(x, g);
    int evaluations = 1;
    if (!Double.isFinite(fx)) {
      return new Result(x, fx, evaluations);
    }
    double[][] s = new double[MEMORY][];
    double[][] y = new double[MEMORY][];
    double[] rho = new double[MEMORY];
    int stored = 0;
    int newest = -1;
    boolean[] free = new boolean[n];
    double[] direction = new double[n];
    double[] xNew = new double[n];
    double[] gNew = new double[n];
    for (int iteration = 0; iteration < maxIterations; iteration++) {
      double largest = 0;
      for (int i = 0; i < n; i++) {
        free[i] = !((x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0));
        if (free[i]) {
          largest = Math.max(largest, Math.abs(g[i]));
        }
      }
      if (largest < gradientTolerance) {
        break;
      }
      twoLoop(g, free, s, y, rho, stored, newest, direction);
      double slope = dot(g, direction);
      if (!(slope < 0)) {
        stored = 0;
        for (int i = 0; i < n; i++) {
          direction[i] = free[i] ? -g[i] : 0;
        }
      }
      double longest = 0;
      for (double v : direction) {
        longest = Math.max(longest, Math.abs(v));
      }
      double step = Math.min(1, maxStep / Math.max(longest, 1e-300));
      double fNew = Double.NaN;
      boolean accepted = false;
      for (int k = 0; k < MAX_BACKTRACKS; k++) {
        double decrease = 0;
        for (int i = 0; i < n; i++) {
          xNew[i] = Math.max(lower[i], Math.min(upper[i], x[i] + step * direction[i]));
          decrease += g[i] * (xNew[i] - x[i]);
        }
        fNew = f.evaluate(xNew, gNew);
        evaluations++;
        if (Double.isFinite(fNew) && fNew <= fx + ARMIJO * decrease) {
          accepted = true;
          break;
        }
        step *= 0.5;
      }
      if (!accepted) {
        if (stored > 0) {
          stored = 0;
          continue;
        }
        break;
      }
      double[] sk = new double[n];
      double[] yk = new double[n];
      double sy = 0;
      for (int i = 0; i < n; i++) {
        sk[i] = xNew[i] - x[i];
        yk[i] = gNew[i] - g[i];
        sy += sk[i] * yk[i];
      }
      if (sy > 1e-12 * Math.max(1e-300, dot(yk, yk))) {
        newest = (newest + 1) % MEMORY;
        s[newest] = sk;
        y[newest] = yk;
        rho[newest] = 1 / sy;
        stored = Math.min(stored + 1, MEMORY);
      }
      double improvement = fx - fNew;
      System.arraycopy(xNew, 0, x, 0, n);
      System.arraycopy(gNew, 0, g, 0, n);
      fx = fNew;
      if (improvement < valueTolerance * Math.max(1, Math.abs(fx))) {
        break;
      }
    }
    return new Result(x, fx, evaluations);
  }

  /** direction = -H g over the free coordinates, H the L-BFGS inverse Hessian estimate. */
  private static void twoLoop(double[] g, boolean[] free, double[][] s, double[][] y, double[] rho, int stored,
      int newest, double[] direction) {
    int n = g.length;
    double[] q = new double[n];
    for (int i = 0; i < n; i++) {
      q[i] = free[i] ? g[i] : 0;
    }
    double[] a = new double[MEMORY];
    for (int k = 0; k < stored; k++) {
      int j = Math.floorMod(newest - k, MEMORY);
      a[j] = rho[j] * maskedDot(s[j], q, free);
      for (int i = 0; i < n; i++) {
        if (free[i]) {
          q[i] -= a[j] * y[j][i];
        }
      }
    }
    double gamma = 1;
    if (stored > 0) {
      double yy = maskedDot(y[newest], y[newest], free);
      double sy = maskedDot(s[newest], y[newest], free);
      if (yy > 0 && sy > 0) {
        gamma = sy / yy;
      }
    }
    for (int i = 0; i < n; i++) {
      q[i] *= gamma;
    }
    for (int k = stored - 1; k >= 0; k--) {
      int j = Math.floorMod(newest - k, MEMORY);
      double b = rho[j] * maskedDot(y[j], q, free);
      for (int i = 0; i < n; i++) {
        if (free[i]) {
          q[i] += (a[j] - b) * s[j][i];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      direction[i] = free[i] ? -q[i] : 0;
    }
  }

  private static double[] project(double[] x, double[] lower, double[] upper) {
    for (int i = 0; i < x.length; i++) {
      x[i] = Math.max(lower[i], Math.min(upper[i], x[i]));
    }
    return x;
  }

  private static double maskedDot(double[] a, double[] b, boolean[] mask) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      if (mask[i]) {
        sum += a[i] * b[i];
      }
    }
    return sum;
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
