package io.kiln.tuning.strategy.gp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;

/**
 * Gaussian-process regression of losses over the unit cube: a constant mean, a Matérn 5/2 kernel with
 * one length scale per dimension (ARD) and a signal variance, plus Gaussian noise. Losses are
 * standardised before fitting; predictions come back in loss units.
 *
 * <p>{@link #fit} chooses the kernel's hyperparameters by maximising the log marginal likelihood plus
 * log-normal priors on the length scales, signal and noise variances (a MAP estimate), with analytic
 * gradients and bounded L-BFGS from a few starts; the constant mean is profiled out (its generalised
 * least-squares value). A model is immutable; {@link #withFantasies} adds believed observations.
 */
public final class GaussianProcess {
  /** Bounds on the hyperparameters, in the cube's units and standardised losses. */
  static final double MIN_LENGTH_SCALE = 0.01;
  static final double MAX_LENGTH_SCALE = 20;
  static final double MIN_SIGNAL_VARIANCE = 0.05;
  static final double MAX_SIGNAL_VARIANCE = 20;
  static final double MIN_NOISE_VARIANCE = 1e-6;
  static final double MAX_NOISE_VARIANCE = 1;

  /**
   * Log-normal priors, as the mean and standard deviation of the logarithm: length scales around half
   * the cube, signal variance around the standardised losses' variance, noise small but free to grow.
   */
  private static final double LENGTH_SCALE_PRIOR_MEAN = Math.log(0.5);
  private static final double LENGTH_SCALE_PRIOR_SD = 1.0;
  private static final double SIGNAL_PRIOR_MEAN = 0;
  private static final double SIGNAL_PRIOR_SD = 1.0;
  private static final double NOISE_PRIOR_MEAN = Math.log(1e-3);
  private static final double NOISE_PRIOR_SD = 2.5;

  private static final double LOG_2PI = Math.log(2 * Math.PI);
  private static final int BLOCK = 256;

  /**
   * How hard {@link #fit} works.
   *
   * @param maxFitPoints hyperparameters are fitted on at most this many observations (the best quarter
   *     and a random sample of the rest); the final model always conditions on all of them
   * @param restarts random starts drawn from the priors; besides them the search starts from the warm
   *     start when given, and from the priors' medians unless a warm start is given and restarts is 0
   * @param maxIterations L-BFGS iterations per start
   */
  public record Settings(int maxFitPoints, int restarts, int maxIterations) {
    public Settings {
      if (maxFitPoints < 2 || restarts < 0 || maxIterations < 0) {
        throw new IllegalArgumentException("bad GP fit settings: " + maxFitPoints + ", " + restarts + ", "
            + maxIterations);
      }
    }

    public static Settings defaults() {
      return new Settings(250, 2, 60);
    }
  }

  private final int dimensions;
  private final int size;
  private final int observed;
  private final double[] x;
  private final double[] y;
  private final double[] lengthScales;
  private final double[] inverseLengthScales;
  private final double signalVariance;
  private final double noiseVariance;
  private final double mean;
  private final double shift;
  private final double scale;
  private final double[] cholesky;
  private final double[] alpha;
  private final double logMarginalLikelihood;

  private GaussianProcess(int dimensions, int observed, double[] x, double[] y, double[] logParameters, double mean,
      double shift, double scale, double[] cholesky, double logMarginalLikelihood) {
    this.dimensions = dimensions;
    this.size = y.length;
    this.observed = observed;
    this.x = x;
    this.y = y;
    this.lengthScales = new double[dimensions];
    this.inverseLengthScales = new double[dimensions];
    for (int i = 0; i < dimensions; i++) {
      lengthScales[i] = Math.exp(logParameters[i]);
      inverseLengthScales[i] = 1 / lengthScales[i];
    }
    this.signalVariance = Math.exp(logParameters[dimensions]);
    this.noiseVariance = Math.exp(logParameters[dimensions + 1]);
    this.mean = mean;
    this.shift = shift;
    this.scale = scale;
    this.cholesky = cholesky;
    this.alpha = new double[size];
    for (int i = 0; i < size; i++) {
      alpha[i] = y[i] - mean;
    }
    TriangularSolver_DDRM.solveL(cholesky, alpha, size);
    TriangularSolver_DDRM.solveTranL(cholesky, alpha, size);
    this.logMarginalLikelihood = logMarginalLikelihood;
  }

  /**
   * Fits a model to observed losses.
   *
   * @param points observations' coordinates in the unit cube, one row each
   * @param losses their losses (finite)
   * @param settings how hard to work on the hyperparameters
   * @param random draws the subsample and the random starts
   * @param warmStart a previous fit whose hyperparameters start the search, or null
   */
  public static GaussianProcess fit(double[][] points, double[] losses, Settings settings, Random random,
      GaussianProcess warmStart) {
    return fit(points, losses, settings, random, warmStart, Lbfgs::new);
  }

  /**
   * {@link #fit(double[][], double[], Settings, Random, GaussianProcess)} with another box minimiser
   * for the hyperparameter search (made with maxIterations, gradient tolerance 1e-5, value tolerance
   * 1e-9, largest step 1 in log units).
   */
  public static GaussianProcess fit(double[][] points, double[] losses, Settings settings, Random random,
      GaussianProcess warmStart, BoxMinimizer.Factory minimizers) {
    int n = points.length;
    if (n == 0 || losses.length != n) {
      throw new IllegalArgumentException("need as many losses as points, and at least one: " + n + " points, "
          + losses.length + " losses");
    }
    int d = points[0].length;
    double shift = 0;
    for (double v : losses) {
      shift += v;
    }
    shift /= n;
    double spread = 0;
    for (double v : losses) {
      spread += (v - shift) * (v - shift);
    }
    double scale = n > 1 ? Math.sqrt(spread / (n - 1)) : 0;
    if (!(scale > 1e-12 * Math.max(1, Math.abs(shift)))) {
      scale = 1;
    }
    double[] x = new double[n * d];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(points[i], 0, x, i * d, d);
      y[i] = (losses[i] - shift) / scale;
    }

    int[] subset = subsample(y, settings.maxFitPoints(), random);
    double[] xFit = new double[subset.length * d];
    double[] yFit = new double[subset.length];
    for (int i = 0; i < subset.length; i++) {
      System.arraycopy(x, subset[i] * d, xFit, i * d, d);
      yFit[i] = y[subset[i]];
    }
    Likelihood objective = new Likelihood(xFit, yFit, d);
    double[] lower = new double[d + 2];
    double[] upper = new double[d + 2];
    Arrays.fill(lower, 0, d, Math.log(MIN_LENGTH_SCALE));
    Arrays.fill(upper, 0, d, Math.log(MAX_LENGTH_SCALE));
    lower[d] = Math.log(MIN_SIGNAL_VARIANCE);
    upper[d] = Math.log(MAX_SIGNAL_VARIANCE);
    lower[d + 1] = Math.log(MIN_NOISE_VARIANCE);
    upper[d + 1] = Math.log(MAX_NOISE_VARIANCE);

    List<double[]> starts = new ArrayList<>();
    if (warmStart != null && warmStart.dimensions == d) {
      starts.add(warmStart.logParameters());
    }
    if (starts.isEmpty() || settings.restarts() > 0) {
      starts.add(defaultLogParameters(d));
    }
    for (int k = 0; k < settings.restarts(); k++) {
      starts.add(priorDraw(d, random, lower, upper));
    }
    BoxMinimizer lbfgs = minimizers.create(settings.maxIterations(), 1e-5, 1e-9, 1.0);
    double[] best = null;
    double bestValue = Double.POSITIVE_INFINITY;
    for (double[] start : starts) {
      Lbfgs.Result result = lbfgs.minimize(objective, start, lower, upper);
      if (result.value() < bestValue) {
        bestValue = result.value();
        best = result.x();
      }
    }
    if (best == null) {
      best = project(defaultLogParameters(d), lower, upper);
    }
    return condition(d, x, y, best, shift, scale);
  }

  /** Conditions on all observations with fixed hyperparameters. */
  private static GaussianProcess condition(int d, double[] x, double[] y, double[] logParameters, double shift,
      double scale) {
    int n = y.length;
    double[] inverse = inverseLengthScales(logParameters, d);
    double signal = Math.exp(logParameters[d]);
    double noise = Math.exp(logParameters[d + 1]);
    double[] k = new double[n * n];
    for (int i = 0; i < n; i++) {
      k[i * n + i] = signal + noise;
      for (int j = 0; j < i; j++) {
        double r = Math.sqrt(Matern52.scaledDistanceSquared(x, i, x, j, inverse));
        double v = signal * Matern52.correlation(r);
        k[i * n + j] = v;
        k[j * n + i] = v;
      }
    }
    double[] l = choleskyWithJitter(k, n, signal);
    double c = generalisedLeastSquaresMean(l, y, n);
    double fit = 0;
    double[] r = new double[n];
    for (int i = 0; i < n; i++) {
      r[i] = y[i] - c;
    }
    double[] a = r.clone();
    TriangularSolver_DDRM.solveL(l, a, n);
    for (double v : a) {
      fit += v * v;
    }
    double logDet = 0;
    for (int i = 0; i < n; i++) {
      logDet += 2 * Math.log(l[i * n + i]);
    }
    double lml = -0.5 * fit - 0.5 * logDet - 0.5 * n * LOG_2PI;
    return new GaussianProcess(d, n, x, y, logParameters, c, shift, scale, l, lml);
  }

  /**
   * The "kriging believer": the same model with each pending point added as an observation of its
   * predicted mean. The mean does not change; the variance shrinks around pending points, so an
   * acquisition maximised next looks elsewhere. Hyperparameters are kept.
   */
  public GaussianProcess withFantasies(double[][] pending) {
    int p = pending.length;
    if (p == 0) {
      return this;
    }
    int n = size;
    int m = n + p;
    double[] xNew = Arrays.copyOf(x, m * dimensions);
    double[] yNew = Arrays.copyOf(y, m);
    for (int q = 0; q < p; q++) {
      System.arraycopy(pending[q], 0, xNew, (n + q) * dimensions, dimensions);
    }
    // L_new = [[L, 0], [B, C]], B = K_pn L^-T, C = chol(K_pp + noise I - B B^T).
    double[] b = new double[p * n];
    for (int q = 0; q < p; q++) {
      double[] kq = new double[n];
      double predicted = mean;
      for (int i = 0; i < n; i++) {
        kq[i] = signalVariance * Matern52.correlation(Math.sqrt(
            Matern52.scaledDistanceSquared(xNew, n + q, x, i, inverseLengthScales)));
        predicted += alpha[i] * kq[i];
      }
      yNew[n + q] = predicted;
      TriangularSolver_DDRM.solveL(cholesky, kq, n);
      System.arraycopy(kq, 0, b, q * n, n);
    }
    double[] schur = new double[p * p];
    for (int q = 0; q < p; q++) {
      for (int s = 0; s <= q; s++) {
        double v = q == s ? signalVariance + noiseVariance : signalVariance * Matern52.correlation(Math.sqrt(
            Matern52.scaledDistanceSquared(xNew, n + q, xNew, n + s, inverseLengthScales)));
        for (int i = 0; i < n; i++) {
          v -= b[q * n + i] * b[s * n + i];
        }
        schur[q * p + s] = v;
        schur[s * p + q] = v;
      }
    }
    double[] c = choleskyWithJitter(schur, p, signalVariance);
    double[] l = new double[m * m];
    for (int i = 0; i < n; i++) {
      System.arraycopy(cholesky, i * n, l, i * m, i + 1);
    }
    for (int q = 0; q < p; q++) {
      System.arraycopy(b, q * n, l, (n + q) * m, n);
      System.arraycopy(c, q * p, l, (n + q) * m + n, q + 1);
    }
    return new GaussianProcess(dimensions, observed, xNew, yNew, logParameters(), mean, shift, scale, l,
        logMarginalLikelihood);
  }

  /** The fitted length scales, one per cube dimension: short where the loss changes fast. */
  public double[] lengthScales() {
    return lengthScales.clone();
  }

  /** The kernel's variance, in standardised loss units. */
  public double signalVariance() {
    return signalVariance;
  }

  /** The noise variance, in standardised loss units. */
  public double noiseVariance() {
    return noiseVariance;
  }

  /** Log marginal likelihood of the standardised observations under the fitted hyperparameters. */
  public double logMarginalLikelihood() {
    return logMarginalLikelihood;
  }

  public int dimensions() {
    return dimensions;
  }

  /** Observations conditioned on, fantasies included. */
  public int size() {
    return size;
  }

  /** Real observations conditioned on (fantasies excluded). */
  public int observed() {
    return observed;
  }

  /**
   * Posterior mean and variance of the (noise-free) loss at many points, in loss units, computed in
   * blocks with one triangular solve per block.
   */
  public void predict(double[][] points, double[] means, double[] variances) {
    int n = size;
    int d = dimensions;
    double[] block = new double[n * BLOCK];
    double[] flat = new double[BLOCK * d];
    for (int start = 0; start < points.length; start += BLOCK) {
      int width = Math.min(BLOCK, points.length - start);
      for (int j = 0; j < width; j++) {
        System.arraycopy(points[start + j], 0, flat, j * d, d);
      }
      for (int i = 0; i < n; i++) {
        int row = i * BLOCK;
        for (int j = 0; j < width; j++) {
          block[row + j] = signalVariance * Matern52.correlation(Math.sqrt(
              Matern52.scaledDistanceSquared(x, i, flat, j, inverseLengthScales)));
        }
      }
      for (int j = 0; j < width; j++) {
        means[start + j] = mean;
      }
      for (int i = 0; i < n; i++) {
        int row = i * BLOCK;
        double a = alpha[i];
        for (int j = 0; j < width; j++) {
          means[start + j] += a * block[row + j];
        }
      }
      forwardSolveRows(block, width);
      double[] sum = new double[width];
      for (int i = 0; i < n; i++) {
        int row = i * BLOCK;
        for (int j = 0; j < width; j++) {
          double v = block[row + j];
          sum[j] += v * v;
        }
      }
      for (int j = 0; j < width; j++) {
        means[start + j] = shift + scale * means[start + j];
        variances[start + j] = scale * scale * Math.max(signalVariance - sum[j], 1e-12 * signalVariance);
      }
    }
  }

  /** Solves L V = B in place for a block B of n rows, {@code width} of whose BLOCK columns are used. */
  private void forwardSolveRows(double[] block, int width) {
    int n = size;
    for (int i = 0; i < n; i++) {
      int row = i * BLOCK;
      int lrow = i * n;
      for (int k = 0; k < i; k++) {
        double lik = cholesky[lrow + k];
        if (lik == 0) {
          continue;
        }
        int other = k * BLOCK;
        for (int j = 0; j < width; j++) {
          block[row + j] -= lik * block[other + j];
        }
      }
      double diagonal = cholesky[lrow + i];
      for (int j = 0; j < width; j++) {
        block[row + j] /= diagonal;
      }
    }
  }

  /** Posterior mean and variance at one point, in loss units. */
  public record Prediction(double mean, double variance) {
  }

  /** The prediction at one point, with the gradients of its mean and variance written into the arrays. */
  public Prediction predict(double[] point, double[] meanGradient, double[] varianceGradient) {
    int n = size;
    int d = dimensions;
    double[] k = new double[n];
    double[] slopes = new double[n];
    double mu = mean;
    for (int i = 0; i < n; i++) {
      double r = Math.sqrt(Matern52.scaledDistanceSquared(point, 0, x, i, inverseLengthScales));
      k[i] = signalVariance * Matern52.correlation(r);
      slopes[i] = signalVariance * Matern52.slope(r);
      mu += alpha[i] * k[i];
    }
    double[] v = k.clone();
    TriangularSolver_DDRM.solveL(cholesky, v, n);
    double explained = 0;
    for (double e : v) {
      explained += e * e;
    }
    TriangularSolver_DDRM.solveTranL(cholesky, v, n);
    Arrays.fill(meanGradient, 0);
    Arrays.fill(varianceGradient, 0);
    for (int i = 0; i < n; i++) {
      // d k(point, x_i) / d point_j = -slope (point_j - x_ij) / l_j^2
      double am = alpha[i] * slopes[i];
      double av = v[i] * slopes[i];
      int row = i * d;
      for (int j = 0; j < d; j++) {
        double t = -(point[j] - x[row + j]) * inverseLengthScales[j] * inverseLengthScales[j];
        meanGradient[j] += am * t;
        varianceGradient[j] -= 2 * av * t;
      }
    }
    double variance = signalVariance - explained;
    double floor = 1e-12 * signalVariance;
    if (variance < floor) {
      variance = floor;
      Arrays.fill(varianceGradient, 0);
    }
    for (int j = 0; j < d; j++) {
      meanGradient[j] *= scale;
      varianceGradient[j] *= scale * scale;
    }
    return new Prediction(shift + scale * mu, scale * scale * variance);
  }

  double[] logParameters() {
    double[] theta = new double[dimensions + 2];
    for (int i = 0; i < dimensions; i++) {
      theta[i] = Math.log(lengthScales[i]);
    }
    theta[dimensions] = Math.log(signalVariance);
    theta[dimensions + 1] = Math.log(noiseVariance);
    return theta;
  }

  private static double[] defaultLogParameters(int d) {
    double[] theta = new double[d + 2];
    Arrays.fill(theta, 0, d, LENGTH_SCALE_PRIOR_MEAN);
    theta[d] = SIGNAL_PRIOR_MEAN;
    theta[d + 1] = NOISE_PRIOR_MEAN;
    return theta;
  }

  private static double[] priorDraw(int d, Random random, double[] lower, double[] upper) {
    double[] theta = new double[d + 2];
    for (int i = 0; i < d; i++) {
      theta[i] = LENGTH_SCALE_PRIOR_MEAN + LENGTH_SCALE_PRIOR_SD * random.nextGaussian();
    }
    theta[d] = SIGNAL_PRIOR_MEAN + SIGNAL_PRIOR_SD * random.nextGaussian();
    theta[d + 1] = NOISE_PRIOR_MEAN + NOISE_PRIOR_SD * random.nextGaussian();
    return project(theta, lower, upper);
  }

  private static double[] project(double[] theta, double[] lower, double[] upper) {
    for (int i = 0; i < theta.length; i++) {
      theta[i] = Math.max(lower[i], Math.min(upper[i], theta[i]));
    }
    return theta;
  }

  private static double[] inverseLengthScales(double[] theta, int d) {
    double[] inverse = new double[d];
    for (int i = 0; i < d; i++) {
      inverse[i] = Math.exp(-theta[i]);
    }
    return inverse;
  }

  /** All indices when there are few; else the best quarter by loss and a random sample of the rest. */
  private static int[] subsample(double[] y, int limit, Random random) {
    int n = y.length;
    if (n <= limit) {
      return IntStream.range(0, n).toArray();
    }
    Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> y[i]).thenComparingInt(i -> i));
    int best = limit / 4;
    boolean[] chosen = new boolean[n];
    for (int i = 0; i < best; i++) {
      chosen[order[i]] = true;
    }
    int[] rest = new int[n - best];
    for (int i = best; i < n; i++) {
      rest[i - best] = order[i];
    }
    Arrays.sort(rest);
    for (int i = 0; i < limit - best; i++) {
      int j = i + random.nextInt(rest.length - i);
      int t = rest[i];
      rest[i] = rest[j];
      rest[j] = t;
      chosen[rest[i]] = true;
    }
    return IntStream.range(0, n).filter(i -> chosen[i]).toArray();
  }

  /** Lower Cholesky factor (row-major) of a symmetric matrix, adding jitter to the diagonal if needed. */
  static double[] choleskyWithJitter(double[] k, int n, double signal) {
    double jitter = 0;
    for (int attempt = 0; attempt < 8; attempt++) {
      DMatrixRMaj a = DMatrixRMaj.wrap(n, n, k.clone());
      for (int i = 0; i < n; i++) {
        a.data[i * n + i] += jitter;
      }
      CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
      if (chol.decompose(a)) {
        double[] l = chol.getT(null).data;
        boolean finite = true;
        for (int i = 0; i < n && finite; i++) {
          finite = l[i * n + i] > 0 && Double.isFinite(l[i * n + i]);
        }
        if (finite) {
          return l;
        }
      }
      jitter = jitter == 0 ? 1e-10 * signal : jitter * 100;
    }
    throw new IllegalStateException("kernel matrix of " + n + " points is not positive definite even with jitter "
        + jitter);
  }

  private static double generalisedLeastSquaresMean(double[] l, double[] y, int n) {
    double[] a = y.clone();
    double[] ones = new double[n];
    Arrays.fill(ones, 1);
    TriangularSolver_DDRM.solveL(l, a, n);
    TriangularSolver_DDRM.solveL(l, ones, n);
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += ones[i] * a[i];
      den += ones[i] * ones[i];
    }
    return den > 0 ? num / den : 0;
  }

  /**
   * The negative log posterior of the hyperparameters (log length scales, log signal variance, log
   * noise variance) and its gradient: -log p(y | θ) - log p(θ), the constant mean profiled out.
   */
  private static final class Likelihood implements Lbfgs.Objective {
    private final double[] x;
    private final double[] y;
    private final int n;
    private final int d;

    Likelihood(double[] x, double[] y, int d) {
      this.x = x;
      this.y = y;
      this.n = y.length;
      this.d = d;
    }

    @Override
    public double evaluate(double[] theta, double[] gradient) {
      double[] inverse = inverseLengthScales(theta, d);
      double signal = Math.exp(theta[d]);
      double noise = Math.exp(theta[d + 1]);
      double[] k = new double[n * n];
      double[] slope = new double[n * n];
      for (int i = 0; i < n; i++) {
        k[i * n + i] = signal + noise;
        for (int j = 0; j < i; j++) {
          double r = Math.sqrt(Matern52.scaledDistanceSquared(x, i, x, j, inverse));
          double e = Math.exp(-Matern52.SQRT5 * r);
          double v = signal * (1 + Matern52.SQRT5 * r + 5.0 / 3 * r * r) * e;
          k[i * n + j] = v;
          k[j * n + i] = v;
          slope[i * n + j] = signal * 5.0 / 3 * (1 + Matern52.SQRT5 * r) * e;
        }
      }
      DMatrixRMaj a = DMatrixRMaj.wrap(n, n, k.clone());
      CholeskyDecomposition_F64<DMatrixRMaj> chol = DecompositionFactory_DDRM.chol(n, true);
      if (!chol.decompose(a)) {
        return Double.POSITIVE_INFINITY;
      }
      DMatrixRMaj lower = chol.getT(null);
      double[] l = lower.data;
      double logDet = 0;
      for (int i = 0; i < n; i++) {
        double diagonal = l[i * n + i];
        if (!(diagonal > 0) || !Double.isFinite(diagonal)) {
          return Double.POSITIVE_INFINITY;
        }
        logDet += 2 * Math.log(diagonal);
      }
      double c = generalisedLeastSquaresMean(l, y, n);
      double[] alpha = new double[n];
      for (int i = 0; i < n; i++) {
        alpha[i] = y[i] - c;
      }
      TriangularSolver_DDRM.solveL(l, alpha, n);
      double fit = 0;
      for (double v : alpha) {
        fit += v * v;
      }
      TriangularSolver_DDRM.solveTranL(l, alpha, n);

      double[] ki = lowerInverse(l, n);

      // dL/dθ = ½ tr(W dK/dθ), W = α αᵀ - K⁻¹ (L the log likelihood).
      Arrays.fill(gradient, 0);
      double signalGradient = 0;
      double noiseGradient = 0;
      for (int i = 0; i < n; i++) {
        double w = alpha[i] * alpha[i] - ki[i * n + i];
        signalGradient += 0.5 * w * signal;
        noiseGradient += 0.5 * w * noise;
        int rowI = i * d;
        for (int j = 0; j < i; j++) {
          double wij = alpha[i] * alpha[j] - ki[i * n + j];
          signalGradient += wij * k[i * n + j];
          double g = wij * slope[i * n + j];
          int rowJ = j * d;
          for (int m = 0; m < d; m++) {
            double diff = (x[rowI + m] - x[rowJ + m]) * inverse[m];
            gradient[m] += g * diff * diff;
          }
        }
      }
      double value = 0.5 * fit + 0.5 * logDet + 0.5 * n * LOG_2PI;
      for (int m = 0; m < d; m++) {
        gradient[m] = -gradient[m];
      }
      gradient[d] = -signalGradient;
      gradient[d + 1] = -noiseGradient;
      for (int m = 0; m < d; m++) {
        value += prior(theta[m], LENGTH_SCALE_PRIOR_MEAN, LENGTH_SCALE_PRIOR_SD, gradient, m);
      }
      value += prior(theta[d], SIGNAL_PRIOR_MEAN, SIGNAL_PRIOR_SD, gradient, d);
      value += prior(theta[d + 1], NOISE_PRIOR_MEAN, NOISE_PRIOR_SD, gradient, d + 1);
      return value;
    }

    /** The lower triangle of K⁻¹ = L⁻ᵀ L⁻¹, using the triangles only (a sixth of a general product). */
    private static double[] lowerInverse(double[] l, int n) {
      double[] inverseL = new double[n * n];
      TriangularSolver_DDRM.invertLower(l, inverseL, n);
      double[] out = new double[n * n];
      for (int k = 0; k < n; k++) {
        int rowK = k * n;
        for (int i = 0; i <= k; i++) {
          double v = inverseL[rowK + i];
          int rowI = i * n;
          for (int j = 0; j <= i; j++) {
            out[rowI + j] += v * inverseL[rowK + j];
          }
        }
      }
      return out;
    }

    private static double prior(double t, double mean, double sd, double[] gradient, int index) {
      double z = (t - mean) / sd;
      gradient[index] += z / sd;
      return 0.5 * z * z;
    }
  }
}
