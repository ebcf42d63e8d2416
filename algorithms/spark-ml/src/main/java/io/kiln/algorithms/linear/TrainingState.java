package io.kiln.algorithms.linear;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.KilnException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Everything a Linear Learner worker needs to continue after a given epoch, and what a checkpoint
 * holds ({@value #FILE}, big-endian: a magic, then the fields in declaration order, arrays with
 * their lengths). Every worker holds the same state (the updates are computed from all-reduced
 * gradients), so rank 0's copy is the checkpoint.
 *
 * <p>Parameters are in the normalised space training works in: model {@code m}'s output {@code k}
 * is {@code params[m][k*(d+1)+d] + sum_j params[m][k*(d+1)+j] * (x_j - shift[j]) * invScale[j]},
 * times {@code labelScale} plus {@code labelShift} for a regressor.
 */
final class TrainingState {
  static final String FILE = "linear-learner-state.bin";
  private static final int MAGIC = 0x4b4c4c31; // "KLL1"

  int epoch;
  long step;
  double lrFactor = 1;
  double bestLoss = Double.NaN;
  int badEpochs;
  final int features;
  final int outputs;
  final double[] shift;
  final double[] invScale;
  double labelShift;
  double labelScale = 1;
  final double[][] params;
  final double[][] moment1;
  final double[][] moment2;
  /** The job's predictor_type, num_classes and loss, so a model can be made from the state alone. */
  String predictorType = LinearLearnerHyperparameters.BINARY;
  int numClasses = 2;
  String loss = "logistic";
  /** Each model's mean training loss in its last epoch (raw label units), for a model from a checkpoint. */
  final double[] lastLoss;

  TrainingState(int models, int features, int outputs) {
    this.features = features;
    this.outputs = outputs;
    shift = new double[features];
    invScale = new double[features];
    java.util.Arrays.fill(invScale, 1);
    int size = outputs * (features + 1);
    params = new double[models][size];
    moment1 = new double[models][size];
    moment2 = new double[models][size];
    lastLoss = new double[models];
    java.util.Arrays.fill(lastLoss, Double.NaN);
  }

  int models() {
    return params.length;
  }

  /** A writer of this state for the checkpoint service (a snapshot taken now). */
  Checkpointing.StateWriter writer() {
    byte[] bytes = toBytes();
    return dir -> Files.write(dir.resolve(FILE), bytes);
  }

  byte[] toBytes() {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(b))) {
      out.writeInt(MAGIC);
      out.writeInt(models());
      out.writeInt(features);
      out.writeInt(outputs);
      out.writeUTF(predictorType);
      out.writeInt(numClasses);
      out.writeUTF(loss);
      out.writeInt(epoch);
      out.writeLong(step);
      out.writeDouble(lrFactor);
      out.writeDouble(bestLoss);
      out.writeInt(badEpochs);
      out.writeDouble(labelShift);
      out.writeDouble(labelScale);
      write(out, shift);
      write(out, invScale);
      write(out, lastLoss);
      for (int m = 0; m < models(); m++) {
        write(out, params[m]);
        write(out, moment1[m]);
        write(out, moment2[m]);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  private static void write(DataOutputStream out, double[] a) throws IOException {
    out.writeInt(a.length);
    for (double v : a) {
      out.writeDouble(v);
    }
  }

  private static void read(DataInputStream in, double[] a) throws IOException {
    int n = in.readInt();
    if (n != a.length) {
      throw new IOException("array of " + n + " values where " + a.length + " were expected");
    }
    for (int i = 0; i < n; i++) {
      a[i] = in.readDouble();
    }
  }

  /**
   * Reads a checkpoint's state.
   *
   * @throws KilnException INTERNAL when the file is not a Linear Learner state
   */
  static TrainingState read(Path directory) {
    Path file = directory.resolve(FILE);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a Linear Learner state");
      }
      TrainingState s = new TrainingState(in.readInt(), in.readInt(), in.readInt());
      s.predictorType = in.readUTF();
      s.numClasses = in.readInt();
      s.loss = in.readUTF();
      s.epoch = in.readInt();
      s.step = in.readLong();
      s.lrFactor = in.readDouble();
      s.bestLoss = in.readDouble();
      s.badEpochs = in.readInt();
      s.labelShift = in.readDouble();
      s.labelScale = in.readDouble();
      read(in, s.shift);
      read(in, s.invScale);
      read(in, s.lastLoss);
      for (int m = 0; m < s.models(); m++) {
        read(in, s.params[m]);
        read(in, s.moment1[m]);
        read(in, s.moment2[m]);
      }
      return s;
    } catch (IOException e) {
      throw KilnException.internal("Cannot read the Linear Learner checkpoint " + file.getFileName() + ": "
          + e.getMessage(), e);
    }
  }

  /** Whether a checkpoint directory holds a state. */
  static boolean present(Path directory) {
    return Files.isRegularFile(directory.resolve(FILE));
  }

  /** The model with the lowest training loss in the last epoch trained, with the default threshold. */
  LinearLearnerModel lowestLossModel() {
    int best = 0;
    for (int m = 1; m < models(); m++) {
      if (lastLoss[m] < lastLoss[best] || Double.isNaN(lastLoss[best])) {
        best = m;
      }
    }
    return model(best, predictorType, numClasses, loss, loss.equals("hinge_loss") ? 0 : 0.5);
  }

  /**
   * Model {@code m} with the normalisation folded into raw-feature weights.
   *
   * @param threshold a binary classifier's threshold
   */
  LinearLearnerModel model(int m, String predictorType, int numClasses, String loss, double threshold) {
    int d = features;
    double[][] w = new double[outputs][d];
    double[] b = new double[outputs];
    boolean regressor = predictorType.equals(LinearLearnerHyperparameters.REGRESSOR);
    double ys = regressor ? labelScale : 1;
    for (int k = 0; k < outputs; k++) {
      int o = k * (d + 1);
      double bias = params[m][o + d];
      for (int j = 0; j < d; j++) {
        double u = params[m][o + j] * invScale[j];
        w[k][j] = u * ys;
        bias -= u * shift[j];
      }
      b[k] = bias * ys + (regressor ? labelShift : 0);
    }
    return new LinearLearnerModel(predictorType, d, numClasses, loss, w, b, threshold);
  }
}
