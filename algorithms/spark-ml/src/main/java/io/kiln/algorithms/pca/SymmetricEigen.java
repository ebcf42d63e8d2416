package io.kiln.algorithms.pca;

import dev.ludovic.netlib.lapack.LAPACK;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import org.netlib.util.intW;

/**
 * Eigen-decomposition of a real symmetric matrix with LAPACK's {@code dsyev} (netlib, through
 * {@code dev.ludovic.netlib}, which every Spark 3.5 distribution ships with MLlib; native when a
 * system LAPACK is installed, its Java port otherwise).
 *
 * @param values the eigenvalues, ascending (length n)
 * @param vectors the eigenvectors, column-major n x n: column j (elements {@code j*n .. j*n+n-1}) is the
 *     unit eigenvector of {@code values[j]}
 */
public record SymmetricEigen(double[] values, double[] vectors) {

  /**
   * Decomposes {@code a}, a symmetric n x n matrix (column-major; only its upper triangle is read).
   *
   * @throws KilnException ALGORITHM when LAPACK does not converge
   */
  public static SymmetricEigen of(double[] a, int n) {
    double[] m = a.clone();
    double[] w = new double[n];
    intW info = new intW(0);
    double[] query = new double[1];
    LAPACK lapack = LAPACK.getInstance();
    lapack.dsyev("V", "U", n, m, Math.max(1, n), w, query, -1, info);
    int lwork = Math.max(1, (int) query[0]);
    lapack.dsyev("V", "U", n, m, Math.max(1, n), w, new double[lwork], lwork, info);
    if (info.val != 0) {
      throw new KilnException(ErrorType.ALGORITHM, "LAPACK dsyev did not converge on a " + n + " x " + n
          + " matrix (info " + info.val + ")");
    }
    return new SymmetricEigen(w, m);
  }
}
