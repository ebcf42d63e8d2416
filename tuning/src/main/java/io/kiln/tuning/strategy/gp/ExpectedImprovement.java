package io.kiln.tuning.strategy.gp;

/**
 * Expected improvement of a Gaussian prediction below the best loss so far, on a log scale: far from
 * the incumbent EI underflows to zero in double precision while its logarithm still ranks points and
 * has a useful gradient (Ament et al., "Unexpected improvements to expected improvement", 2023).
 *
 * <p>With z = (best - mean) / sd, EI = sd h(z) where h(z) = φ(z) + z Φ(z). For z above -3, h is
 * computed directly; below, h(z) = φ(z) c / (t + c) with t = -z and c the tail of the continued
 * fraction of Mills' ratio, which has no cancellation.
 */
public final class ExpectedImprovement {
  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final double DIRECT_BELOW = -3;
  private static final int FRACTION_TERMS = 60;

  private ExpectedImprovement() {
  }

  /** log EI of a prediction with this mean and standard deviation, improving on {@code best}. */
  public static double log(double mean, double sd, double best) {
    return logH((best - mean) / sd) + Math.log(sd);
  }

  /** log h(z), h(z) = φ(z) + z Φ(z). */
  static double logH(double z) {
    if (z > DIRECT_BELOW) {
      return Math.log(density(z) + z * cdf(z));
    }
    double t = -z;
    double c = millsTail(t);
    return -0.5 * z * z - LOG_SQRT_2PI + Math.log(c) - Math.log(t + c);
  }

  /** d log h / dz = Φ(z) / h(z). */
  static double logHSlope(double z) {
    if (z > DIRECT_BELOW) {
      return cdf(z) / (density(z) + z * cdf(z));
    }
    return 1 / millsTail(-z);
  }

  /**
   * log EI and its gradient with respect to the point, given the prediction's gradient there.
   *
   * @param varianceGradient gradient of the variance (not the standard deviation)
   * @param gradient receives d log EI / dx
   */
  public static double logWithGradient(double mean, double variance, double best, double[] meanGradient,
      double[] varianceGradient, double[] gradient) {
    double sd = Math.sqrt(variance);
    double z = (best - mean) / sd;
    double value = logH(z) + Math.log(sd);
    double slope = logHSlope(z);
    for (int i = 0; i < gradient.length; i++) {
      double sdGradient = varianceGradient[i] / (2 * sd);
      double zGradient = -meanGradient[i] / sd - z * sdGradient / sd;
      gradient[i] = slope * zGradient + sdGradient / sd;
    }
    return value;
  }

  /** 1 / (t + 2 / (t + 3 / (t + ...))), for t >= 3 (60 terms: to 1e-16 there). */
  private static double millsTail(double t) {
    double f = t;
    for (int k = FRACTION_TERMS; k >= 2; k--) {
      f = t + k / f;
    }
    return 1 / f;
  }

  static double density(double z) {
    return Math.exp(-0.5 * z * z - LOG_SQRT_2PI);
  }

  /** Standard normal CDF to double precision (Hart's algorithm 5666, as given by West, 2005). */
  static double cdf(double x) {
    double a = Math.abs(x);
    double tail;
    if (a > 37) {
      tail = 0;
    } else {
      double e = Math.exp(-0.5 * a * a);
      if (a < 7.07106781186547) {
        double p = 3.52624965998911e-02 * a + 0.700383064443688;
        p = p * a + 6.37396220353165;
        p = p * a + 33.912866078383;
        p = p * a + 112.079291497871;
        p = p * a + 221.213596169931;
        p = p * a + 220.206867912376;
        double q = 8.83883476483184e-02 * a + 1.75566716318264;
        q = q * a + 16.064177579207;
        q = q * a + 86.7807322029461;
        q = q * a + 296.564248779674;
        q = q * a + 637.333633378831;
        q = q * a + 793.826512519948;
        q = q * a + 440.413735824752;
        tail = e * p / q;
      } else {
        double b = a + 0.65;
        b = a + 4 / b;
        b = a + 3 / b;
        b = a + 2 / b;
        b = a + 1 / b;
        tail = e / b / 2.506628274631;
      }
    }
    return x > 0 ? 1 - tail : tail;
  }
}
