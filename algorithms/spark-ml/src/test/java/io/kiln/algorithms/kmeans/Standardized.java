package io.kiln.algorithms.kmeans;

import java.util.ArrayList;
import java.util.List;

/**
 * A shared data set's features standardised (each column minus its mean, over its population
 * standard deviation; a constant column left at 0), rounded to float32 as Kiln and SageMaker read
 * them: the K-Means tests give both Kiln and scikit-learn these very numbers.
 *
 * @param rows the standardised rows
 */
public record Standardized(List<float[]> rows) {

  /** Standardises the features of label-first CSV lines. */
  public static Standardized of(List<String> labelFirst) {
    List<double[]> x = new ArrayList<>();
    for (String line : labelFirst) {
      String[] f = line.split(",");
      double[] r = new double[f.length - 1];
      for (int i = 1; i < f.length; i++) {
        r[i - 1] = Float.parseFloat(f[i]);
      }
      x.add(r);
    }
    int d = x.get(0).length;
    double[] mean = new double[d];
    double[] var = new double[d];
    for (double[] r : x) {
      for (int i = 0; i < d; i++) {
        mean[i] += r[i] / x.size();
      }
    }
    for (double[] r : x) {
      for (int i = 0; i < d; i++) {
        var[i] += (r[i] - mean[i]) * (r[i] - mean[i]) / x.size();
      }
    }
    List<float[]> out = new ArrayList<>();
    for (double[] r : x) {
      float[] z = new float[d];
      for (int i = 0; i < d; i++) {
        z[i] = var[i] > 0 ? (float) ((r[i] - mean[i]) / Math.sqrt(var[i])) : 0f;
      }
      out.add(z);
    }
    return new Standardized(out);
  }

  /** The rows as CSV lines without a label (every float written so it reads back exactly). */
  public List<String> csv() {
    List<String> lines = new ArrayList<>();
    for (float[] r : rows) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        b.append(i == 0 ? "" : ",").append(Float.toString(r[i]));
      }
      lines.add(b.toString());
    }
    return lines;
  }

  /** The rows as label-first lines (label 0), for RecordIO writers that take that form. */
  public List<String> labelFirst() {
    return csv().stream().map(l -> "0," + l).toList();
  }

  /** Row-major doubles. */
  public double[] matrix() {
    int d = rows.get(0).length;
    double[] m = new double[rows.size() * d];
    for (int r = 0; r < rows.size(); r++) {
      for (int i = 0; i < d; i++) {
        m[r * d + i] = rows.get(r)[i];
      }
    }
    return m;
  }

  public int features() {
    return rows.get(0).length;
  }
}
