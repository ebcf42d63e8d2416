package io.kiln.algorithms.pca;

import io.kiln.spi.KilnException;

/**
 * The principal components of a {@link PcaState}: the final step of training (and of a stop, or of a
 * model made from a checkpoint), run identically on the summed state.
 *
 * <p>Regular mode: the eigen-decomposition ({@link SymmetricEigen}, LAPACK {@code dsyev}) of the
 * centred scatter matrix {@code C = sum (x - mean)(x - mean)^T}; its top k eigenvalues are the
 * squared singular values of the centred data matrix, so {@code s = sqrt(lambda)} and the explained
 * variance {@code lambda / (n - 1)} are scikit-learn's {@code singular_values_} and
 * {@code explained_variance_} (its full SVD solver) to rounding.
 *
 * <p>Randomized mode (N. Halko, P.-G. Martinsson, J. A. Tropp, "Finding structure with randomness",
 * SIAM Review 53(2), 2011: randomized subspace iteration, Algorithms 4.3 and 5.3): the first pass
 * sketches {@code Y = C Omega}, Q is an orthonormal basis of Y, the second pass sums {@code Z = C Q}
 * (one subspace iteration), and the components and variances are the eigenpairs of the Nyström
 * approximation {@code Z (Q^T Z)^+ Z^T} of C; a model made inside the first pass (a stop) uses the
 * Nyström approximation from the sketch itself, {@code Y (Omega^T Y)^+ Y^T} (J. A. Tropp, A. Yurtsever, M. Udell, V. Cevher, "Fixed-rank approximation of a
 * positive-semidefinite matrix from streaming data", NeurIPS 2017, Algorithm 3, with a symmetric square
 * root in place of the Cholesky factor). Memory and work grow with d x m, never d x d.
 */
public final class PcaFit {
  private PcaFit() {}

  /**
   * The model of the rows summed in {@code state}.
   *
   * @throws KilnException USER when fewer rows than needed were seen (none)
   */
  public static PcaModel model(PcaState state) {
    PcaHyperparameters p = state.params();
    long n = state.rowsSeen();
    if (n < 1) {
      throw KilnException.user("Channel 'train' has no rows: PCA needs at least one row");
    }
    int d = p.featureDim();
    int k = p.numComponents();
    double[] values;
    double[] vectors; // column-major d x c, columns ascending
    int c;
    if (p.randomized()) {
      double[][] pair = state.basis() == null ? nystrom(state, PcaState.omega(p)) : nystrom(state, state.basis());
      values = pair[0];
      vectors = pair[1];
      c = values.length;
    } else {
      double[] full = new double[d * d];
      int at = 0;
      for (int i = 0; i < d; i++) {
        for (int j = i; j < d; j++) {
          full[j * d + i] = state.sums()[at];
          full[i * d + j] = state.sums()[at];
          at++;
        }
      }
      SymmetricEigen e = SymmetricEigen.of(full, d);
      values = e.values();
      vectors = e.vectors();
      c = d;
    }
    double[][] v = new double[d][k];
    double[] s = new double[k];
    double[] variance = new double[k];
    for (int j = 0; j < k; j++) {
      int col = c - k + j; // the top k, ascending
      double lambda = Math.max(0, values[col]);
      s[j] = Math.sqrt(lambda);
      variance[j] = n > 1 ? lambda / (n - 1) : 0;
      // scikit-learn's sign rule: the largest-magnitude entry of each component is positive
      int arg = 0;
      for (int i = 1; i < d; i++) {
        if (Math.abs(vectors[col * d + i]) > Math.abs(vectors[col * d + arg])) {
          arg = i;
        }
      }
      double sign = vectors[col * d + arg] < 0 ? -1 : 1;
      for (int i = 0; i < d; i++) {
        v[i][j] = sign * vectors[col * d + i];
      }
    }
    return new PcaModel(d, k, p.subtractMean(), p.randomized() ? "randomized" : "regular", n, state.mean().clone(),
        v, s, variance);
  }

  /** The explained-variance ratio of a model fitted on {@code state}: the top k eigenvalues over the total. */
  public static double explainedVarianceRatio(PcaState state, PcaModel model) {
    double total = state.sums()[state.sums().length - 1];
    double kept = 0;
    for (double s : model.s()) {
      kept += s * s;
    }
    return total > 0 ? kept / total : 0;
  }

  /** An orthonormal basis (d x r column-major, r <= m) of the sketch in a first-pass state's sums. */
  static double[] orthonormalBasis(PcaState state) {
    int d = state.params().featureDim();
    int m = state.params().sketchColumns();
    double[] y = java.util.Arrays.copyOf(state.sums(), d * m);
    double[] yty = new double[m * m];
    for (int a = 0; a < m; a++) {
      for (int b = a; b < m; b++) {
        double x = 0;
        for (int i = 0; i < d; i++) {
          x += y[a * d + i] * y[b * d + i];
        }
        yty[b * m + a] = yty[a * m + b] = x;
      }
    }
    SymmetricEigen e = SymmetricEigen.of(yty, m);
    double top = e.values()[m - 1];
    double[] q = new double[d * m];
    for (int j = 0; j < m; j++) {
      double lambda = e.values()[j];
      if (lambda <= top * 1e-24 || lambda <= 0) {
        continue; // a direction the sketch does not span: left zero
      }
      double inv = 1 / Math.sqrt(lambda);
      for (int i = 0; i < d; i++) {
        double x = 0;
        for (int a = 0; a < m; a++) {
          x += y[a * d + i] * e.vectors()[j * m + a];
        }
        q[j * d + i] = x * inv;
      }
    }
    // one Gram-Schmidt sweep in double removes what the normal equations lost
    for (int j = 0; j < m; j++) {
      for (int a = 0; a < j; a++) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
          dot += q[a * d + i] * q[j * d + i];
        }
        for (int i = 0; i < d; i++) {
          q[j * d + i] -= dot * q[a * d + i];
        }
      }
      double norm = 0;
      for (int i = 0; i < d; i++) {
        norm += q[j * d + i] * q[j * d + i];
      }
      if (norm > 0) {
        double inv = 1 / Math.sqrt(norm);
        for (int i = 0; i < d; i++) {
          q[j * d + i] *= inv;
        }
      }
    }
    return q;
  }

  /**
   * Randomized mode: the Nyström approximation {@code Y (Omega^T Y)^+ Y^T} of C from {@code Y = C Omega}
   * in the state's sums, Omega the first pass's Gaussian matrix or the second pass's basis Q;
   * {eigenvalues ascending, eigenvectors column-major d x m}.
   */
  private static double[][] nystrom(PcaState state, double[] omega) {
    PcaHyperparameters p = state.params();
    int d = p.featureDim();
    int m = p.sketchColumns();
    double[] y = java.util.Arrays.copyOf(state.sums(), d * m);
    double norm = 0;
    for (double x : y) {
      norm += x * x;
    }
    double nu = Math.ulp(Math.sqrt(norm)) * d;
    for (int i = 0; i < y.length; i++) {
      y[i] += nu * omega[i];
    }
    double[] b = new double[m * m]; // Omega^T Y_nu, symmetrised
    for (int a = 0; a < m; a++) {
      for (int bb = a; bb < m; bb++) {
        double x = 0;
        double z = 0;
        for (int i = 0; i < d; i++) {
          x += omega[a * d + i] * y[bb * d + i];
          z += omega[bb * d + i] * y[a * d + i];
        }
        b[bb * m + a] = b[a * m + bb] = (x + z) / 2;
      }
    }
    SymmetricEigen be = SymmetricEigen.of(b, m);
    double top = be.values()[m - 1];
    double[] invSqrt = new double[m * m]; // B^(-1/2), pseudo-inverse below a relative cut-off
    for (int j = 0; j < m; j++) {
      double lambda = be.values()[j];
      if (lambda <= top * 1e-13 || lambda <= 0) {
        continue;
      }
      double w = 1 / Math.sqrt(lambda);
      for (int a = 0; a < m; a++) {
        double va = be.vectors()[j * m + a] * w;
        for (int bb = 0; bb < m; bb++) {
          invSqrt[bb * m + a] += va * be.vectors()[j * m + bb];
        }
      }
    }
    double[] e = multiply(y, d, m, invSqrt, m); // d x m
    double[] ete = new double[m * m];
    for (int a = 0; a < m; a++) {
      for (int bb = a; bb < m; bb++) {
        double x = 0;
        for (int i = 0; i < d; i++) {
          x += e[a * d + i] * e[bb * d + i];
        }
        ete[bb * m + a] = ete[a * m + bb] = x;
      }
    }
    SymmetricEigen ee = SymmetricEigen.of(ete, m);
    double[] values = new double[m];
    double[] vectors = new double[d * m];
    for (int j = 0; j < m; j++) {
      double sigma2 = ee.values()[j];
      values[j] = Math.max(0, sigma2 - nu);
      if (sigma2 <= 0) {
        continue;
      }
      double inv = 1 / Math.sqrt(sigma2);
      for (int i = 0; i < d; i++) {
        double x = 0;
        for (int a = 0; a < m; a++) {
          x += e[a * d + i] * ee.vectors()[j * m + a];
        }
        vectors[j * d + i] = x * inv;
      }
    }
    return new double[][] {values, vectors};
  }

  /** (rows x inner) times (inner x cols), column-major. */
  private static double[] multiply(double[] left, int rows, int inner, double[] right, int cols) {
    double[] out = new double[rows * cols];
    for (int j = 0; j < cols; j++) {
      for (int a = 0; a < inner; a++) {
        double r = right[j * inner + a];
        if (r == 0) {
          continue;
        }
        for (int i = 0; i < rows; i++) {
          out[j * rows + i] += left[a * rows + i] * r;
        }
      }
    }
    return out;
  }
}
