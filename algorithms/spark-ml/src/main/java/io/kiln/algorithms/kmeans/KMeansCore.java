package io.kiln.algorithms.kmeans;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;

/**
 * The arithmetic of SageMaker's K-Means scheme ("How K-Means Clustering Works": a web-scale mini-batch
 * k-means that keeps k x extra_center_factor centers, then a local Lloyd reduction of those weighted
 * centers to k), written against a {@link Reducer} so the same code runs on the workers of a barrier
 * stage (exact double sums over the ring) and in one process (benchmarks, tests).
 *
 * <p>Rows are dense doubles, row-major ({@code rows x d}); centers likewise ({@code K x d}). Every
 * random choice comes from a {@link Random} seeded identically on every worker, so every worker makes
 * the same choices and holds the same centers.
 */
public final class KMeansCore {
  /** The seed of every random choice (SageMaker's K-Means has no seed hyperparameter). */
  public static final long SEED = 0x4b4d65616e73L;

  private KMeansCore() {}

  /** What the workers share: an exact element-wise sum over all workers, and who this worker is. */
  public interface Reducer {
    /** Replaces {@code values} with their sum over all workers (the same on every worker). */
    void sum(double[] values);

    int rank();

    int workers();
  }

  /** One process alone. */
  public static final Reducer LOCAL = new Reducer() {
    @Override
    public void sum(double[] values) {}

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int workers() {
      return 1;
    }
  };

  /** The squared distance between row {@code r} of {@code x} and center {@code c}. */
  static double distance(double[] x, int r, double[] centers, int c, int d) {
    double s = 0;
    int a = r * d;
    int b = c * d;
    for (int i = 0; i < d; i++) {
      double t = x[a + i] - centers[b + i];
      s += t * t;
    }
    return s;
  }

  /** The nearest of {@code count} centers to row {@code r}: {index, squared distance}. */
  static double[] nearest(double[] x, int r, double[] centers, int count, int d) {
    int best = 0;
    double bestD = Double.POSITIVE_INFINITY;
    for (int c = 0; c < count; c++) {
      double dd = distance(x, r, centers, c, d);
      if (dd < bestD) {
        bestD = dd;
        best = c;
      }
    }
    return new double[] {best, bestD};
  }

  /**
   * {@code init_method=random}: {@code count} distinct rows of the whole data, drawn uniformly
   * (Floyd's sampling over global row numbers: worker w's rows follow those of workers 0..w-1).
   * <em>Collective</em>.
   *
   * @param rows this worker's rows
   * @return {@code count x d} centers, or fewer when the data has fewer rows
   */
  public static double[] initRandom(Reducer reducer, double[] x, int rows, int d, int count) {
    double[] counts = new double[reducer.workers()];
    counts[reducer.rank()] = rows;
    reducer.sum(counts);
    long total = 0;
    long offset = 0;
    for (int w = 0; w < counts.length; w++) {
      if (w == reducer.rank()) {
        offset = total;
      }
      total += Math.round(counts[w]);
    }
    int n = (int) Math.min(count, total);
    Random random = new Random(SEED);
    TreeSet<Long> chosen = new TreeSet<>();
    for (long j = total - n; j < total; j++) {
      long t = (long) (random.nextDouble() * (j + 1));
      chosen.add(chosen.contains(t) ? j : t);
    }
    double[] centers = new double[n * d];
    int c = 0;
    for (long g : chosen) {
      if (g >= offset && g < offset + rows) {
        System.arraycopy(x, (int) (g - offset) * d, centers, c * d, d);
      }
      c++;
    }
    reducer.sum(centers);
    return centers;
  }

  /**
   * {@code init_method=kmeans++} over the whole data (D. Arthur, S. Vassilvitskii, "k-means++: the
   * advantages of careful seeding", SODA 2007): the first center a uniformly drawn row, each next one a
   * row drawn with probability proportional to its squared distance to the nearest center so far,
   * {@code weights} (null: all 1) multiplying it. <em>Collective</em> when {@code reducer} has workers:
   * two exact sums per center.
   */
  public static double[] initPlusPlus(Reducer reducer, double[] x, double[] weights, int rows, int d, int count,
      Random random) {
    double[] nearest = new double[rows];
    Arrays.fill(nearest, Double.POSITIVE_INFINITY);
    double[] centers = new double[count * d];
    int made = 0;
    for (int c = 0; c < count; c++) {
      double[] mass = new double[reducer.workers()];
      for (int r = 0; r < rows; r++) {
        double w = weights == null ? 1 : weights[r];
        mass[reducer.rank()] += c == 0 ? w : w * nearest[r];
      }
      reducer.sum(mass);
      double total = 0;
      for (double m : mass) {
        total += m;
      }
      if (!(total > 0)) {
        break; // every row is a center already
      }
      double u = random.nextDouble() * total;
      int owner = 0;
      while (owner < mass.length - 1 && u >= mass[owner]) {
        u -= mass[owner];
        owner++;
      }
      double[] center = new double[d];
      if (owner == reducer.rank()) {
        int pick = -1;
        for (int r = 0; r < rows; r++) {
          double w = (weights == null ? 1 : weights[r]) * (c == 0 ? 1 : nearest[r]);
          if (w <= 0) {
            continue;
          }
          pick = r;
          if (u < w) {
            break;
          }
          u -= w;
        }
        System.arraycopy(x, pick * d, center, 0, d);
      }
      reducer.sum(center);
      System.arraycopy(center, 0, centers, c * d, d);
      made++;
      for (int r = 0; r < rows; r++) {
        nearest[r] = Math.min(nearest[r], distance(x, r, centers, c, d));
      }
    }
    return Arrays.copyOf(centers, made * d);
  }

  /**
   * One mini-batch step of web-scale k-means (D. Sculley, "Web-scale k-means clustering", WWW 2010),
   * over every worker's rows {@code [from, to)} at once: each row goes to its nearest center, then each
   * center moves to the running (decayed) mean of every row it has been given,
   * {@code c += (sum - n c) / count}. With {@code half_life_time_size} h > 0 the counts first decay by
   * 2^(-B/h), B the step's rows, so a row's weight halves after h more rows (SageMaker's definition).
   * <em>Collective</em>.
   *
   * @param counts each center's (decayed) count so far, updated
   * @return {rows in the step, their summed squared distance to the centers before the step}
   */
  public static double[] step(Reducer reducer, double[] x, int from, int to, int d, double[] centers, double[] counts,
      long halfLife) {
    int k = counts.length;
    double[] s = new double[k * d + k + 2];
    for (int r = from; r < to; r++) {
      double[] n = nearest(x, r, centers, k, d);
      int c = (int) n[0];
      for (int i = 0; i < d; i++) {
        s[c * d + i] += x[r * d + i];
      }
      s[k * d + c] += 1;
      s[k * d + k] += n[1];
    }
    s[k * d + k + 1] = Math.max(0, to - from);
    reducer.sum(s);
    double batch = s[k * d + k + 1];
    if (halfLife > 0 && batch > 0) {
      double decay = Math.pow(0.5, batch / halfLife);
      for (int c = 0; c < k; c++) {
        counts[c] *= decay;
      }
    }
    for (int c = 0; c < k; c++) {
      double n = s[k * d + c];
      if (n == 0) {
        continue;
      }
      counts[c] += n;
      for (int i = 0; i < d; i++) {
        centers[c * d + i] += (s[c * d + i] - n * centers[c * d + i]) / counts[c];
      }
    }
    return new double[] {batch, s[k * d + k]};
  }

  /**
   * The local Lloyd reduction: k-means of the weighted points {@code points} (their weights
   * {@code weights}; a zero weight is left out) into {@code k} centers: {@code trials} runs, each
   * seeded by {@code kmeans++} or by {@code k} distinct points drawn uniformly, then Lloyd iterations
   * until the weighted sum of squared distances improves by less than {@code tol} (relative) or
   * {@code maxIter} iterations; the run with the lowest sum wins. A cluster left empty takes the point
   * farthest from its center. Runs in one process (every worker runs it on the same input).
   *
   * @return {@code k x d} centers; when fewer than k points have weight, those points and copies of
   *     the last one
   */
  public static double[] reduce(double[] points, double[] weights, int d, int k, int trials, boolean plusPlus,
      int maxIter, double tol) {
    return reduceTrials(points, weights, d, k, trials, plusPlus, maxIter, tol).get(0);
  }

  /**
   * Every trial of {@link #reduce}, the lowest weighted cost first (ties in trial order): the
   * candidates a full-data refinement starts from.
   */
  public static java.util.List<double[]> reduceTrials(double[] points, double[] weights, int d, int k, int trials,
      boolean plusPlus, int maxIter, double tol) {
    int n = 0;
    for (double w : weights) {
      if (w > 0) {
        n++;
      }
    }
    double[] x = new double[n * d];
    double[] w = new double[n];
    int at = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        System.arraycopy(points, i * d, x, at * d, d);
        w[at++] = weights[i];
      }
    }
    if (n <= k) {
      double[] out = new double[k * d];
      for (int c = 0; c < k; c++) {
        System.arraycopy(x, Math.min(c, n - 1) * d, out, c * d, d);
      }
      return java.util.List.of(out);
    }
    Random random = new Random(SEED + 1);
    java.util.List<double[]> runs = new java.util.ArrayList<>();
    double[] costs = new double[trials];
    for (int t = 0; t < trials; t++) {
      double[] centers = plusPlus ? initPlusPlus(LOCAL, x, w, n, d, k, random) : distinct(x, n, d, k, random);
      costs[t] = lloyd(x, w, n, d, centers, k, maxIter, tol);
      runs.add(centers);
    }
    Integer[] order = new Integer[trials];
    for (int t = 0; t < trials; t++) {
      order[t] = t;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparingDouble(t -> costs[t]));
    java.util.List<double[]> sorted = new java.util.ArrayList<>();
    for (int t : order) {
      sorted.add(runs.get(t));
    }
    return sorted;
  }

  /** {@code k} distinct points drawn uniformly. */
  private static double[] distinct(double[] x, int n, int d, int k, Random random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    double[] centers = new double[k * d];
    for (int c = 0; c < k; c++) {
      int j = c + random.nextInt(n - c);
      int tmp = order[c];
      order[c] = order[j];
      order[j] = tmp;
      System.arraycopy(x, order[c] * d, centers, c * d, d);
    }
    return centers;
  }

  /** Weighted Lloyd iterations on {@code centers} (updated); returns the final weighted cost. */
  static double lloyd(double[] x, double[] w, int n, int d, double[] centers, int k, int maxIter, double tol) {
    int[] assign = new int[n];
    double[] dist = new double[n];
    double previous = Double.POSITIVE_INFINITY;
    double cost = Double.POSITIVE_INFINITY;
    for (int iter = 0; iter < maxIter; iter++) {
      cost = 0;
      for (int r = 0; r < n; r++) {
        double[] nn = nearest(x, r, centers, k, d);
        assign[r] = (int) nn[0];
        dist[r] = nn[1];
        cost += w[r] * nn[1];
      }
      if (iter > 0 && previous - cost <= tol * previous) {
        break;
      }
      previous = cost;
      double[] sums = new double[k * d];
      double[] mass = new double[k];
      for (int r = 0; r < n; r++) {
        int c = assign[r];
        mass[c] += w[r];
        for (int i = 0; i < d; i++) {
          sums[c * d + i] += w[r] * x[r * d + i];
        }
      }
      for (int c = 0; c < k; c++) {
        if (mass[c] > 0) {
          for (int i = 0; i < d; i++) {
            centers[c * d + i] = sums[c * d + i] / mass[c];
          }
        } else {
          int far = 0;
          for (int r = 1; r < n; r++) {
            if (w[r] * dist[r] > w[far] * dist[far]) {
              far = r;
            }
          }
          System.arraycopy(x, far * d, centers, c * d, d);
          dist[far] = 0;
        }
      }
    }
    return cost;
  }

  /**
   * Lloyd iterations over every worker's rows, from {@code centers} (updated in place): each row to its
   * nearest center, each center to the mean of its rows (an empty one stays), until the sum of squared
   * distances improves by at most {@code tol} (relative) or {@code maxIter} iterations. One exact sum
   * of {@code k x d + k + 1} values per iteration. <em>Collective</em>.
   *
   * @return {iterations run, the last measured sum of squared distances}
   */
  public static double[] refine(Reducer reducer, double[] x, int rows, int d, double[] centers, int k, int maxIter,
      double tol) {
    double previous = Double.POSITIVE_INFINITY;
    double cost = Double.NaN;
    int iter = 0;
    for (; iter < maxIter; iter++) {
      double[] s = new double[k * d + k + 1];
      for (int r = 0; r < rows; r++) {
        double[] nn = nearest(x, r, centers, k, d);
        int c = (int) nn[0];
        for (int i = 0; i < d; i++) {
          s[c * d + i] += x[r * d + i];
        }
        s[k * d + c] += 1;
        s[k * d + k] += nn[1];
      }
      reducer.sum(s);
      cost = s[k * d + k];
      if (iter > 0 && previous - cost <= tol * previous) {
        break;
      }
      previous = cost;
      for (int c = 0; c < k; c++) {
        double n = s[k * d + c];
        if (n > 0) {
          for (int i = 0; i < d; i++) {
            centers[c * d + i] = s[c * d + i] / n;
          }
        }
      }
    }
    return new double[] {iter, cost};
  }

  /**
   * The summed squared distance of rows {@code [0, rows)} to their nearest of {@code k} centers and the
   * row count, over every worker: {ssd, rows}. <em>Collective</em>.
   */
  public static double[] cost(Reducer reducer, double[] x, int rows, int d, double[] centers, int k) {
    double[] s = new double[2];
    for (int r = 0; r < rows; r++) {
      s[0] += nearest(x, r, centers, k, d)[1];
    }
    s[1] = rows;
    reducer.sum(s);
    return s;
  }
}
