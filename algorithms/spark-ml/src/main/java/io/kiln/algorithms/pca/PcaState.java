package io.kiln.algorithms.pca;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * PCA's training state after some mini-batch rounds, the same on every worker: what a checkpoint
 * holds ({@value #FILE}: a version, the hyperparameters, the mean, then the sums), and what the model
 * is computed from at any round (a stop keeps the model of the rows so far).
 *
 * <p>Regular mode sums the centred scatter matrix {@code C = sum (x - mean)(x - mean)^T} (packed upper
 * triangle) in one pass. Randomized mode makes two passes, each d x m: the first sums C's product
 * with a fixed Gaussian test matrix Omega ({@code sum (x - mean)((x - mean)^T Omega)}); the second,
 * with {@link #basis} Q an orthonormal basis of that sketch, sums {@code C Q} (one subspace
 * iteration, for the final Nyström step). Both also sum the rows seen and {@code sum |x - mean|^2}
 * (the total variance, for the explained-variance ratio) of the current pass.
 *
 * @param params the hyperparameters
 * @param mean the mean of every training row (zeros when subtract_mean is false)
 * @param rounds mini-batch rounds summed (randomized mode's second pass continues the count)
 * @param sums the current pass's sums: the matrix, then the row count, then the total squared norm
 * @param basis randomized mode's second pass: Q, d x m column-major; null in the first pass and in
 *     regular mode
 */
public record PcaState(PcaHyperparameters params, double[] mean, int rounds, double[] sums, double[] basis) {
  /** The checkpoint's file name. */
  public static final String FILE = "pca-state.bin";
  private static final int VERSION = 1;
  /** The seed of randomized mode's test matrix: fixed, so every worker and every attempt has the same one. */
  static final long OMEGA_SEED = 0x6b696c6e5043414cL;

  /** The length of {@link #sums} for these hyperparameters. */
  public static int sumsLength(PcaHyperparameters p) {
    int d = p.featureDim();
    long matrix = p.randomized() ? (long) d * p.sketchColumns() : (long) d * (d + 1) / 2;
    return Math.toIntExact(matrix + 2);
  }

  /** An empty state. */
  public static PcaState start(PcaHyperparameters p, double[] mean) {
    return new PcaState(p, mean, 0, new double[sumsLength(p)], null);
  }

  /** Rows summed so far. */
  public long rowsSeen() {
    return Math.round(sums[sums.length - 2]);
  }

  /** Randomized mode's d x m test matrix Omega, column-major, N(0, 1) entries from {@link #OMEGA_SEED}. */
  public static double[] omega(PcaHyperparameters p) {
    Random random = new Random(OMEGA_SEED);
    double[] o = new double[p.featureDim() * p.sketchColumns()];
    for (int i = 0; i < o.length; i++) {
      o[i] = random.nextGaussian();
    }
    return o;
  }

  /** Randomized mode's second pass: this state's sketch turned into its basis, the sums emptied. */
  public PcaState secondPass() {
    return new PcaState(params, mean, rounds, new double[sums.length], PcaFit.orthonormalBasis(this));
  }

  /**
   * Adds rows {@code [from, to)} of {@code data} (centred by {@code mean}) into {@code delta}, laid
   * out as {@link #sums}; {@code omega} is the d x m matrix randomized mode multiplies by (Omega in
   * the first pass, Q in the second).
   */
  public static void accumulate(PcaHyperparameters p, double[] mean, double[] omega, UnlabelledRows data, int from,
      int to, double[] delta) {
    int d = p.featureDim();
    double[] x = new double[d];
    int m = p.sketchColumns();
    double[] xo = new double[m];
    for (int r = from; r < to; r++) {
      double norm = 0;
      for (int i = 0; i < d; i++) {
        x[i] = data.values()[r * d + i] - mean[i];
        norm += x[i] * x[i];
      }
      if (p.randomized()) {
        Arrays.fill(xo, 0);
        for (int j = 0; j < m; j++) {
          double acc = 0;
          int col = j * d;
          for (int i = 0; i < d; i++) {
            acc += x[i] * omega[col + i];
          }
          xo[j] = acc;
        }
        for (int j = 0; j < m; j++) {
          int col = j * d;
          double a = xo[j];
          for (int i = 0; i < d; i++) {
            delta[col + i] += x[i] * a;
          }
        }
      } else {
        int at = 0;
        for (int i = 0; i < d; i++) {
          double xi = x[i];
          for (int j = i; j < d; j++) {
            delta[at++] += xi * x[j];
          }
        }
      }
      delta[delta.length - 2] += 1;
      delta[delta.length - 1] += norm;
    }
  }

  /** This state with {@code delta} added, one more round. */
  public PcaState plus(double[] delta) {
    double[] s = sums.clone();
    for (int i = 0; i < s.length; i++) {
      s[i] += delta[i];
    }
    return new PcaState(params, mean, rounds + 1, s, basis);
  }

  /** Writes {@value #FILE} into {@code directory}. */
  public void write(Path directory) throws IOException {
    try (OutputStream o = Files.newOutputStream(directory.resolve(FILE));
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(o))) {
      out.writeInt(VERSION);
      out.writeInt(params.featureDim());
      out.writeInt(params.numComponents());
      out.writeInt(params.miniBatchSize());
      out.writeBoolean(params.randomized());
      out.writeBoolean(params.subtractMean());
      out.writeInt(params.extraComponents());
      out.writeInt(rounds);
      for (double m : mean) {
        out.writeDouble(m);
      }
      out.writeInt(sums.length);
      for (double s : sums) {
        out.writeDouble(s);
      }
      out.writeInt(basis == null ? -1 : basis.length);
      for (double b : basis == null ? new double[0] : basis) {
        out.writeDouble(b);
      }
    }
  }

  /** Reads {@value #FILE} from {@code directory}. */
  public static PcaState read(Path directory) throws IOException {
    try (InputStream i = Files.newInputStream(directory.resolve(FILE));
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(i))) {
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(FILE + " has version " + version + ", not " + VERSION);
      }
      PcaHyperparameters p = new PcaHyperparameters(in.readInt(), in.readInt(), in.readInt(), in.readBoolean(),
          in.readBoolean(), in.readInt());
      int rounds = in.readInt();
      double[] mean = new double[p.featureDim()];
      for (int j = 0; j < mean.length; j++) {
        mean[j] = in.readDouble();
      }
      double[] sums = new double[in.readInt()];
      if (sums.length != sumsLength(p)) {
        throw new IOException(FILE + " holds " + sums.length + " sums, not " + sumsLength(p));
      }
      for (int j = 0; j < sums.length; j++) {
        sums[j] = in.readDouble();
      }
      int basisLength = in.readInt();
      double[] basis = basisLength < 0 ? null : new double[basisLength];
      for (int j = 0; j < Math.max(0, basisLength); j++) {
        basis[j] = in.readDouble();
      }
      return new PcaState(p, mean, rounds, sums, basis);
    }
  }
}
