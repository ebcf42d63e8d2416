package io.kiln.algorithms.fm;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.KilnException;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything a Factorization Machines worker needs to continue after an epoch, and what a checkpoint
 * holds ({@value #FILE}, big-endian: a magic, the predictor type, feature_dim, num_factors, the epoch
 * and step counts, then the parameters and Adam's two moments, each {@link #size()} doubles). Every
 * worker holds the same state (updates come from all-reduced gradients), so rank 0's is the checkpoint.
 *
 * <p>Parameter layout: {@code [0]} the bias w0, {@code [1, 1+d)} the linear weights w,
 * {@code [1+d+i*k+f]} the factor v_if.
 */
final class FmState {
  static final String FILE = "factorization-machines-state.bin";
  private static final int MAGIC = 0x4b464d31; // "KFM1"

  final String predictorType;
  final int features;
  final int factors;
  int epoch;
  long step;
  final double[] params;
  final double[] moment1;
  final double[] moment2;

  FmState(String predictorType, int features, int factors) {
    this.predictorType = predictorType;
    this.features = features;
    this.factors = factors;
    long size = 1L + features + (long) features * factors;
    params = new double[(int) size];
    moment1 = new double[(int) size];
    moment2 = new double[(int) size];
  }

  /** The parameter count: 1 + d + d * k. */
  int size() {
    return params.length;
  }

  /** The term (0 bias, 1 linear, 2 factors) of parameter p. */
  int term(int p) {
    return p == 0 ? 0 : p <= features ? 1 : 2;
  }

  /** A writer of this state for the checkpoint service (a snapshot taken now). */
  Checkpointing.StateWriter writer() {
    byte[] bytes = toBytes();
    return dir -> Files.write(dir.resolve(FILE), bytes);
  }

  byte[] toBytes() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      out.writeInt(MAGIC);
      out.writeUTF(predictorType);
      out.writeInt(features);
      out.writeInt(factors);
      out.writeInt(epoch);
      out.writeLong(step);
      for (double[] a : new double[][] {params, moment1, moment2}) {
        for (double x : a) {
          out.writeDouble(x);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  /** Whether a checkpoint directory holds a state. */
  static boolean present(Path directory) {
    return Files.isRegularFile(directory.resolve(FILE));
  }

  /**
   * Reads a checkpoint's state.
   *
   * @throws KilnException INTERNAL when the file is not a Factorization Machines state
   */
  static FmState read(Path directory) {
    Path file = directory.resolve(FILE);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a Factorization Machines state");
      }
      FmState s = new FmState(in.readUTF(), in.readInt(), in.readInt());
      s.epoch = in.readInt();
      s.step = in.readLong();
      for (double[] a : new double[][] {s.params, s.moment1, s.moment2}) {
        for (int i = 0; i < a.length; i++) {
          a[i] = in.readDouble();
        }
      }
      return s;
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the Factorization Machines checkpoint " + file.getFileName() + ": "
          + e.getMessage(), e);
    }
  }

  /** The model of the current parameters. */
  FmModel model() {
    double[] linear = new double[features];
    System.arraycopy(params, 1, linear, 0, features);
    double[] v = new double[features * factors];
    System.arraycopy(params, 1 + features, v, 0, v.length);
    return new FmModel(predictorType, features, factors, params[0], linear, v);
  }
}
