package io.kiln.algorithms.kmeans;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * K-Means' training state after some mini-batch rounds, the same on every worker: the
 * k x extra_center_factor centers and their (decayed) counts. A checkpoint holds it as {@value #FILE}
 * (a version, the hyperparameters the reduction needs, the round, the centers, the counts).
 *
 * @param params the hyperparameters
 * @param round rounds completed
 * @param centers {@code K x d} row-major
 * @param counts K counts
 */
public record KMeansState(KMeansHyperparameters params, int round, double[] centers, double[] counts) {
  /** The checkpoint's file name. */
  public static final String FILE = "kmeans-state.bin";
  private static final int VERSION = 1;

  /** Writes {@value #FILE} into {@code directory}. */
  public void write(Path directory) throws IOException {
    try (OutputStream o = Files.newOutputStream(directory.resolve(FILE));
        DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(o))) {
      out.writeInt(VERSION);
      KMeansHyperparameters p = params;
      out.writeInt(p.featureDim());
      out.writeInt(p.k());
      out.writeInt(p.epochs());
      out.writeInt(p.miniBatchSize());
      out.writeBoolean(p.initKMeansPlusPlus());
      out.writeInt(p.extraCenterFactor());
      out.writeInt(p.localLloydMaxIter());
      out.writeDouble(p.localLloydTol());
      out.writeBoolean(p.localLloydKMeansPlusPlus());
      out.writeInt(p.localLloydNumTrials());
      out.writeLong(p.halfLifeTimeSize());
      out.writeBoolean(p.msd());
      out.writeBoolean(p.ssd());
      out.writeInt(round);
      out.writeInt(counts.length);
      for (double c : centers) {
        out.writeDouble(c);
      }
      for (double c : counts) {
        out.writeDouble(c);
      }
    }
  }

  /** Reads {@value #FILE} from {@code directory}. */
  public static KMeansState read(Path directory) throws IOException {
    try (InputStream i = Files.newInputStream(directory.resolve(FILE));
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(i))) {
      int version = in.readInt();
      if (version != VERSION) {
        throw new IOException(FILE + " has version " + version + ", not " + VERSION);
      }
      KMeansHyperparameters p = new KMeansHyperparameters(in.readInt(), in.readInt(), in.readInt(), in.readInt(),
          in.readBoolean(), in.readInt(), in.readInt(), in.readDouble(), in.readBoolean(), in.readInt(), in.readLong(),
          in.readBoolean(), in.readBoolean());
      int round = in.readInt();
      int count = in.readInt();
      double[] centers = new double[count * p.featureDim()];
      for (int j = 0; j < centers.length; j++) {
        centers[j] = in.readDouble();
      }
      double[] counts = new double[count];
      for (int j = 0; j < count; j++) {
        counts[j] = in.readDouble();
      }
      return new KMeansState(p, round, centers, counts);
    }
  }
}
