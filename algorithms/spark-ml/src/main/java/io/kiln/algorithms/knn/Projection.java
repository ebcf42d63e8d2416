package io.kiln.algorithms.knn;

import java.util.SplittableRandom;

/**
 * SageMaker k-NN's dimension reductions, regenerated from (type, seed, input and target dimension) so
 * a model stores only those four numbers:
 * <ul>
 *   <li>{@code sign}: a random projection by a matrix of random signs, {@code y = R^T x / sqrt(t)} with
 *       R of shape d x t, entries +1 or -1 with equal probability;
 *   <li>{@code fjlt}: the fast Johnson-Lindenstrauss transform as a subsampled randomized Hadamard
 *       transform: random signs on the d inputs, zero-padding to the next power of two p, the
 *       orthonormal Walsh-Hadamard transform, then t of the p coordinates chosen at random (without
 *       repetition), scaled by sqrt(p / t). O(d log d) per row.
 * </ul>
 * Both keep L2 distances and inner products in expectation, as SageMaker's documentation says of its
 * two methods (its exact matrices are not public, so Kiln's projections are not SageMaker's).
 */
final class Projection {
  private final String type;
  private final int in;
  private final int out;
  private final float[] signs; // sign: in x out; fjlt: in
  private final int[] picked; // fjlt: out coordinates of the padded transform
  private final int padded;

  Projection(String type, long seed, int in, int out) {
    this.type = type;
    this.in = in;
    this.out = out;
    SplittableRandom random = new SplittableRandom(seed);
    if (type.equals("sign")) {
      signs = new float[in * out];
      for (int i = 0; i < signs.length; i++) {
        signs[i] = random.nextBoolean() ? 1 : -1;
      }
      picked = null;
      padded = in;
    } else if (type.equals("fjlt")) {
      signs = new float[in];
      for (int i = 0; i < in; i++) {
        signs[i] = random.nextBoolean() ? 1 : -1;
      }
      int p = Integer.highestOneBit(Math.max(1, in));
      padded = p < in ? p * 2 : p;
      int[] all = new int[padded];
      for (int i = 0; i < padded; i++) {
        all[i] = i;
      }
      for (int i = 0; i < out; i++) { // a partial Fisher-Yates shuffle: t distinct coordinates
        int j = i + random.nextInt(padded - i);
        int tmp = all[i];
        all[i] = all[j];
        all[j] = tmp;
      }
      picked = java.util.Arrays.copyOf(all, out);
    } else {
      throw new IllegalArgumentException("dimension_reduction_type " + type);
    }
  }

  int outputs() {
    return out;
  }

  /** Projects one row of {@code in} values. */
  float[] apply(float[] x) {
    float[] y = new float[out];
    if (type.equals("sign")) {
      double scale = 1 / Math.sqrt(out);
      for (int j = 0; j < out; j++) {
        double s = 0;
        for (int i = 0; i < in; i++) {
          s += (double) signs[i * out + j] * x[i];
        }
        y[j] = (float) (s * scale);
      }
      return y;
    }
    double[] v = new double[padded];
    for (int i = 0; i < in; i++) {
      v[i] = signs[i] * (double) x[i];
    }
    for (int h = 1; h < padded; h *= 2) { // in-place fast Walsh-Hadamard transform
      for (int i = 0; i < padded; i += 2 * h) {
        for (int j = i; j < i + h; j++) {
          double a = v[j];
          double b = v[j + h];
          v[j] = a + b;
          v[j + h] = a - b;
        }
      }
    }
    double scale = 1 / Math.sqrt(padded) * Math.sqrt(padded / (double) out);
    for (int j = 0; j < out; j++) {
      y[j] = (float) (v[picked[j]] * scale);
    }
    return y;
  }

  /** Projects {@code n} rows of a row-major array. */
  float[] applyRows(float[] rows, int n) {
    float[] outRows = new float[n * out];
    float[] x = new float[in];
    for (int r = 0; r < n; r++) {
      System.arraycopy(rows, r * in, x, 0, in);
      System.arraycopy(apply(x), 0, outRows, r * out, out);
    }
    return outRows;
  }
}
