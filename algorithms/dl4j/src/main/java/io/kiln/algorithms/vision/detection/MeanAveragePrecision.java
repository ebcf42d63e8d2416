package io.kiln.algorithms.vision.detection;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Validation mean average precision of a detector, Pascal VOC style, accumulated image by image and
 * mergeable across workers.
 *
 * <p><b>Matching</b> (the VOC devkit's {@code VOCevaldet.m}; MXNet's SSD example {@code MApMetric},
 * on which SageMaker's algorithm is built, does the same per image): for each image and class, the
 * detections are taken by score, highest first; each is compared with every ground-truth box of its
 * class in that image, and the box of largest IoU (intersection over union, in normalised
 * coordinates, without VOC's +1 pixel) decides: IoU at least the threshold (default 0.5, SageMaker's
 * {@code overlap_threshold}) with a box not yet matched is a true positive and marks the box; with an
 * already matched box, or IoU below the threshold, a false positive. A detection whose best box is
 * {@code difficult} counts as neither, and difficult boxes are not counted as ground truth (VOC's rule;
 * MXNet's example with its default {@code use_difficult=False}). Detections of a class below 0 (MXNet's
 * "background / suppressed" id -1) are skipped.
 *
 * <p><b>Average precision</b> per class: the class's (score, true positive?) records of all images
 * sorted by score, highest first (equal scores: false positives first, so the result does not depend
 * on the order images or workers were added in); cumulative precision {@code tp / (tp + fp)} and recall
 * {@code tp / ground-truth boxes}. {@link Interpolation#VOC07_11_POINT} (the default): the mean over
 * the 11 recall levels {@code t = k * 0.1}, {@code k = 0..10} (computed as numpy's
 * {@code np.arange(0., 1.1, 0.1)} does, so e.g. t = 0.30000000000000004), of the largest precision at a
 * recall {@code >= t} (0 when none). This is MXNet SSD's {@code VOC07MApMetric}, which its
 * {@code train.py} uses by default ({@code --voc07 True}) and so SageMaker's Object Detection.
 * {@link Interpolation#ALL_POINTS} (VOC2010 and later): the area under the precision envelope
 * (precision made non-increasing in recall), summed where recall changes.
 *
 * <p><b>mAP</b>: the mean of the APs of the classes that have at least one (non-difficult) ground-truth
 * box; a class with ground truth and no detection has AP 0; a class with detections but no ground truth
 * is left out (as in the VOC devkit, where its recall is undefined; MXNet's example would count it as
 * 0). NaN when no class has ground truth.
 *
 * <p><b>Merging</b>: the state is, per class, the list of (score, true positive?) records and the count
 * of ground-truth boxes; {@link #merge} adds another worker's; {@link #toFloats()} /
 * {@link #fromFloats(float[])} and {@link #encode()} / {@link #decode(String)} carry it between
 * workers (e.g. through {@code WorkerContext.allGather}). Scores are float32 (as the network gives
 * them); counts are exact up to 2^24 per class in the float form. Not thread-safe.
 */
public final class MeanAveragePrecision implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How the precision/recall curve is summarised into one AP. */
  public enum Interpolation {
    /** VOC2007's 11-point interpolated AP (MXNet SSD's VOC07MApMetric; SageMaker's). */
    VOC07_11_POINT,
    /** VOC2010+'s area under the whole precision envelope (MXNet SSD's MApMetric). */
    ALL_POINTS
  }

  private final int numClasses;
  private final double iouThreshold;
  private final Interpolation interpolation;
  private final float[][] scores;
  private final boolean[][] truePositive;
  private final int[] sizes;
  private final long[] groundTruth;

  /**
   * An empty metric.
   *
   * @param numClasses classes 0 to numClasses - 1 (at least 1)
   * @param iouThreshold the IoU (in (0, 1]) a detection needs to match a box; SageMaker's
   *     {@code overlap_threshold}, 0.5 by default
   * @param interpolation how AP is computed from the precision/recall curve
   */
  public MeanAveragePrecision(int numClasses, double iouThreshold, Interpolation interpolation) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, not " + numClasses);
    }
    if (!(iouThreshold > 0 && iouThreshold <= 1)) {
      throw new IllegalArgumentException("iouThreshold must be in (0, 1], not " + iouThreshold);
    }
    this.numClasses = numClasses;
    this.iouThreshold = iouThreshold;
    this.interpolation = interpolation;
    this.scores = new float[numClasses][16];
    this.truePositive = new boolean[numClasses][16];
    this.sizes = new int[numClasses];
    this.groundTruth = new long[numClasses];
  }

  /** SageMaker's metric: IoU 0.5, VOC07 11-point AP. */
  public static MeanAveragePrecision sageMaker(int numClasses) {
    return new MeanAveragePrecision(numClasses, 0.5, Interpolation.VOC07_11_POINT);
  }

  /** Classes 0 to numClasses - 1. */
  public int numClasses() {
    return numClasses;
  }

  /** The matching IoU threshold. */
  public double iouThreshold() {
    return iouThreshold;
  }

  /** The AP interpolation. */
  public Interpolation interpolation() {
    return interpolation;
  }

  /**
   * Adds one image.
   *
   * @param detections the detector's output for the image, each {@code [class, score, xmin, ymin, xmax,
   *     ymax]} with corners normalised to [0, 1] (SageMaker's inference layout); a class below 0 is
   *     skipped; any order
   * @param truth the image's ground-truth boxes (normalised corners), difficult ones included
   * @throws IllegalArgumentException when a detection is not 6 values, has a class {@code >= numClasses}
   *     or a NaN score, or a box's class is out of range
   */
  public void add(float[][] detections, List<Annotations.Box> truth) {
    List<List<float[]>> byClass = new ArrayList<>(numClasses);
    for (int c = 0; c < numClasses; c++) {
      byClass.add(new ArrayList<>());
    }
    for (float[] d : detections) {
      if (d.length != 6) {
        throw new IllegalArgumentException("a detection is [class, score, xmin, ymin, xmax, ymax], not "
            + d.length + " values");
      }
      int c = (int) d[0];
      if (d[0] < 0) {
        continue;
      }
      if (c >= numClasses || c != d[0] || Float.isNaN(d[1])) {
        throw new IllegalArgumentException("detection " + Arrays.toString(d) + " has a class outside [0, "
            + numClasses + ") or a NaN score");
      }
      byClass.get(c).add(d);
    }
    List<List<Annotations.Box>> boxes = new ArrayList<>(numClasses);
    for (int c = 0; c < numClasses; c++) {
      boxes.add(new ArrayList<>());
    }
    for (Annotations.Box b : truth) {
      if (b.classId() < 0 || b.classId() >= numClasses) {
        throw new IllegalArgumentException("ground-truth box " + b + " has a class outside [0, " + numClasses + ")");
      }
      boxes.get(b.classId()).add(b);
    }
    for (int c = 0; c < numClasses; c++) {
      List<float[]> dets = byClass.get(c);
      List<Annotations.Box> gts = boxes.get(c);
      for (Annotations.Box b : gts) {
        if (!b.difficult()) {
          groundTruth[c]++;
        }
      }
      // highest score first; a stable sort keeps equal scores in the order given
      dets.sort((a, b) -> Float.compare(b[1], a[1]));
      boolean[] found = new boolean[gts.size()];
      for (float[] d : dets) {
        int best = -1;
        double bestIou = -1;
        for (int g = 0; g < gts.size(); g++) {
          double iou = iou(d[2], d[3], d[4], d[5], gts.get(g));
          if (iou > bestIou) {
            bestIou = iou;
            best = g;
          }
        }
        if (best >= 0 && bestIou >= iouThreshold) {
          if (gts.get(best).difficult()) {
            continue; // neither true nor false positive
          }
          if (!found[best]) {
            found[best] = true;
            record(c, d[1], true);
          } else {
            record(c, d[1], false);
          }
        } else {
          record(c, d[1], false);
        }
      }
    }
  }

  /** Intersection over union of a detection's corners and a box, in the same (normalised) units. */
  static double iou(double xmin, double ymin, double xmax, double ymax, Annotations.Box b) {
    double iw = Math.min(xmax, b.xmax()) - Math.max(xmin, b.xmin());
    double ih = Math.min(ymax, b.ymax()) - Math.max(ymin, b.ymin());
    if (iw <= 0 || ih <= 0) {
      return 0;
    }
    double inter = iw * ih;
    double union = Math.max(0, xmax - xmin) * Math.max(0, ymax - ymin)
        + ((double) b.xmax() - b.xmin()) * ((double) b.ymax() - b.ymin()) - inter;
    return union <= 0 ? 0 : inter / union;
  }

  private void record(int c, float score, boolean tp) {
    if (sizes[c] == scores[c].length) {
      scores[c] = Arrays.copyOf(scores[c], sizes[c] * 2);
      truePositive[c] = Arrays.copyOf(truePositive[c], sizes[c] * 2);
    }
    scores[c][sizes[c]] = score;
    truePositive[c][sizes[c]] = tp;
    sizes[c]++;
  }

  /**
   * Adds another accumulation (e.g. another worker's) to this one.
   *
   * @throws IllegalArgumentException when the two differ in classes, threshold or interpolation
   */
  public void merge(MeanAveragePrecision other) {
    // thresholds compare as float32, the precision they travel in (toFloats)
    if (other.numClasses != numClasses || (float) other.iouThreshold != (float) iouThreshold
        || other.interpolation != interpolation) {
      throw new IllegalArgumentException("cannot merge mAP of " + other.numClasses + " classes, IoU "
          + other.iouThreshold + ", " + other.interpolation + " into one of " + numClasses + " classes, IoU "
          + iouThreshold + ", " + interpolation);
    }
    for (int c = 0; c < numClasses; c++) {
      for (int k = 0; k < other.sizes[c]; k++) {
        record(c, other.scores[c][k], other.truePositive[c][k]);
      }
      groundTruth[c] += other.groundTruth[c];
    }
  }

  /** Non-difficult ground-truth boxes of a class seen so far. */
  public long groundTruthCount(int classId) {
    return groundTruth[classId];
  }

  /** Detections of a class recorded so far (true and false positives; ignored ones not counted). */
  public int detectionCount(int classId) {
    return sizes[classId];
  }

  /** True positives of a class so far. */
  public int truePositiveCount(int classId) {
    int n = 0;
    for (int k = 0; k < sizes[classId]; k++) {
      n += truePositive[classId][k] ? 1 : 0;
    }
    return n;
  }

  /** The AP of each class, NaN for a class without ground truth. */
  public double[] averagePrecisions() {
    double[] ap = new double[numClasses];
    for (int c = 0; c < numClasses; c++) {
      ap[c] = groundTruth[c] == 0 ? Double.NaN : averagePrecision(c);
    }
    return ap;
  }

  /** The mean of the APs of the classes with ground truth; NaN when there is none. */
  public double meanAveragePrecision() {
    double sum = 0;
    int n = 0;
    for (double ap : averagePrecisions()) {
      if (!Double.isNaN(ap)) {
        sum += ap;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private double averagePrecision(int c) {
    int n = sizes[c];
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    float[] s = scores[c];
    boolean[] tp = truePositive[c];
    // by score, highest first; equal scores: false positives first (order-independent, pessimistic)
    Arrays.sort(order, (a, b) -> {
      int bySc = Float.compare(s[b], s[a]);
      return bySc != 0 ? bySc : Boolean.compare(tp[a], tp[b]);
    });
    double[] recall = new double[n];
    double[] precision = new double[n];
    long tps = 0;
    for (int k = 0; k < n; k++) {
      tps += tp[order[k]] ? 1 : 0;
      recall[k] = (double) tps / groundTruth[c];
      precision[k] = (double) tps / (k + 1);
    }
    if (interpolation == Interpolation.VOC07_11_POINT) {
      double ap = 0;
      for (int k = 0; k <= 10; k++) {
        double t = k * 0.1; // numpy's arange(0., 1.1, 0.1): start + k * step
        double p = 0;
        for (int i = 0; i < n; i++) {
          if (recall[i] >= t && precision[i] > p) {
            p = precision[i];
          }
        }
        ap += p / 11.0;
      }
      return ap;
    }
    double[] mrec = new double[n + 2];
    double[] mpre = new double[n + 2];
    System.arraycopy(recall, 0, mrec, 1, n);
    System.arraycopy(precision, 0, mpre, 1, n);
    mrec[n + 1] = 1;
    for (int i = n; i >= 1; i--) {
      mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
    }
    double ap = 0;
    for (int i = 0; i <= n; i++) {
      if (mrec[i + 1] != mrec[i]) {
        ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
      }
    }
    return ap;
  }

  /**
   * The state as floats: {@code [numClasses, iouThreshold, interpolation ordinal, then per class:
   * ground-truth count, record count n, then n pairs (score, 1 for a true positive or 0)]}.
   */
  public float[] toFloats() {
    int total = 3;
    for (int c = 0; c < numClasses; c++) {
      total += 2 + 2 * sizes[c];
    }
    float[] out = new float[total];
    out[0] = numClasses;
    out[1] = (float) iouThreshold;
    out[2] = interpolation.ordinal();
    int at = 3;
    for (int c = 0; c < numClasses; c++) {
      out[at++] = groundTruth[c];
      out[at++] = sizes[c];
      for (int k = 0; k < sizes[c]; k++) {
        out[at++] = scores[c][k];
        out[at++] = truePositive[c][k] ? 1 : 0;
      }
    }
    return out;
  }

  /**
   * The metric {@link #toFloats()} wrote (the threshold travels as a float32; {@link #merge} compares
   * thresholds at that precision).
   *
   * @throws IllegalArgumentException when the array is not such a state
   */
  public static MeanAveragePrecision fromFloats(float[] in) {
    if (in.length < 3 || in[0] < 1 || in[0] != Math.rint(in[0]) || in[2] < 0
        || in[2] >= Interpolation.values().length) {
      throw new IllegalArgumentException("not a mean average precision state (bad header)");
    }
    int classes = (int) in[0];
    MeanAveragePrecision m = new MeanAveragePrecision(classes, in[1], Interpolation.values()[(int) in[2]]);
    int at = 3;
    for (int c = 0; c < classes; c++) {
      if (at + 2 > in.length) {
        throw new IllegalArgumentException("not a mean average precision state (ends in class " + c + ")");
      }
      m.groundTruth[c] = (long) in[at++];
      int n = (int) in[at++];
      if (n < 0 || at + 2L * n > in.length) {
        throw new IllegalArgumentException("not a mean average precision state (class " + c + " records)");
      }
      for (int k = 0; k < n; k++) {
        m.record(c, in[at++], in[at++] != 0);
      }
    }
    if (at != in.length) {
      throw new IllegalArgumentException("not a mean average precision state (" + (in.length - at)
          + " trailing values)");
    }
    return m;
  }

  /** {@link #toFloats()} as Base64 of little-endian float32s, for {@code allGather(String)}. */
  public String encode() {
    float[] f = toFloats();
    ByteBuffer b = ByteBuffer.allocate(4 * f.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(f);
    return Base64.getEncoder().encodeToString(b.array());
  }

  /** The metric {@link #encode()} wrote. */
  public static MeanAveragePrecision decode(String encoded) {
    byte[] bytes = Base64.getDecoder().decode(encoded);
    if (bytes.length % 4 != 0) {
      throw new IllegalArgumentException("not a mean average precision state (" + bytes.length + " bytes)");
    }
    float[] f = new float[bytes.length / 4];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
    return fromFloats(f);
  }
}
