package io.kiln.algorithms.pca;

import io.kiln.spi.ReduceOp;
import io.kiln.spi.WorkerContext;

/**
 * Sums arrays of doubles across workers exactly, over the runtime's float all-reduce
 * ({@link WorkerContext#allReduce}), so distributed sums of squares and cross products keep double
 * precision (a float sum of a Gram matrix would lose everything past its 7th digit).
 *
 * <p>How: the workers first agree on each element's largest binary exponent (a MAX all-reduce of
 * small whole numbers, exact in float). Each worker then writes its value as {@value #LEVELS}
 * whole numbers of at most {@value #BITS} bits on that shared grid (level j counts units of
 * 2^(top - 12(j+1))); whole numbers below 2^24 add exactly in float, so one SUM all-reduce of the
 * {@value #LEVELS} levels gives each level's exact total, from which the double sum is rebuilt.
 * The values are exact to 2^-60 of the largest one, more than a double's 53 bits. Works for up to
 * 4095 workers. Costs {@value #LEVELS} + 1 floats per element.
 */
public final class DoubleSums {
  static final int LEVELS = 5;
  static final int BITS = 12;
  private static final float ZERO = -2000f;

  private DoubleSums() {}

  /**
   * Replaces {@code values} with their element-wise sum over all workers, the same bits on every
   * worker. <em>Collective</em>: every worker calls it with an array of the same length. An element
   * that is NaN or infinite on any worker becomes NaN.
   */
  public static void sum(WorkerContext ctx, double[] values) {
    int n = values.length;
    float[] exponents = new float[n];
    for (int i = 0; i < n; i++) {
      double v = values[i];
      exponents[i] = !Double.isFinite(v) ? Float.POSITIVE_INFINITY : v == 0 ? ZERO : Math.getExponent(v);
    }
    ctx.allReduce(exponents, ReduceOp.MAX);
    float[] levels = new float[n * LEVELS];
    for (int i = 0; i < n; i++) {
      if (exponents[i] == ZERO || Float.isInfinite(exponents[i])) {
        continue;
      }
      int top = (int) exponents[i] + 1; // |v| < 2^top on every worker
      double r = values[i];
      for (int j = 0; j < LEVELS; j++) {
        int e = top - BITS * (j + 1);
        double q = Math.rint(Math.scalb(r, -e));
        levels[j * n + i] = (float) q;
        r -= Math.scalb(q, e);
      }
    }
    ctx.allReduce(levels, ReduceOp.SUM);
    for (int i = 0; i < n; i++) {
      if (exponents[i] == ZERO) {
        values[i] = 0;
        continue;
      }
      if (Float.isInfinite(exponents[i])) {
        values[i] = Double.NaN;
        continue;
      }
      int top = (int) exponents[i] + 1;
      double s = 0;
      for (int j = LEVELS - 1; j >= 0; j--) {
        s += Math.scalb((double) levels[j * n + i], top - BITS * (j + 1));
      }
      values[i] = s;
    }
  }
}
