package io.kiln.tuning.strategy.gp;

/**
 * The Matérn 5/2 correlation as a function of the scaled distance r = |(x - x') / l|:
 * (1 + √5 r + 5 r² / 3) exp(-√5 r). Twice differentiable, so smooth enough for gradient-based
 * search, rough enough for the objectives tuning meets.
 */
final class Matern52 {
  static final double SQRT5 = Math.sqrt(5);

  private Matern52() {
  }

  /** Squared scaled distance between row {@code a} of {@code xa} and row {@code b} of {@code xb}. */
  static double scaledDistanceSquared(double[] xa, int a, double[] xb, int b, double[] inverseLengthScales) {
    int d = inverseLengthScales.length;
    int ia = a * d;
    int ib = b * d;
    double sum = 0;
    for (int i = 0; i < d; i++) {
      double t = (xa[ia + i] - xb[ib + i]) * inverseLengthScales[i];
      sum += t * t;
    }
    return sum;
  }

  /** The correlation at scaled distance r. */
  static double correlation(double r) {
    return (1 + SQRT5 * r + 5.0 / 3 * r * r) * Math.exp(-SQRT5 * r);
  }

  /**
   * -(d correlation / dr) / r = 5/3 (1 + √5 r) exp(-√5 r): the derivative with respect to a squared
   * coordinate difference, up to the factor -1 / (2 l²). Finite at r = 0.
   */
  static double slope(double r) {
    return 5.0 / 3 * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
  }
}
