package io.kiln.algorithms.vision.detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The detector's output to detections as SageMaker's Object Detection endpoint returns them: per
 * image a list of {@code [class, score, xmin, ymin, xmax, ymax]}, coordinates normalised to [0, 1]
 * (SageMaker's {@code {"prediction": [[class_id, score, xmin, ymin, xmax, ymax], ...]}}).
 *
 * <p>Input: the activated output of {@link Detectors#OUTPUT} (DL4J's {@code Yolo2OutputLayer}
 * applies the activations in its forward pass), {@code [minibatch, B·(5+C), H, W]}, per prior
 * {@code b} the channels {@code b·(5+C) + 0..4} = x, y offset within the cell (0..1), width, height
 * in grid units, objectness, then {@code C} class probabilities.
 *
 * <p>A cell's prior yields one candidate per class whose score {@code objectness × P(class)} (YOLO
 * v2's class-specific confidence) reaches the threshold; boxes are clipped to the image. Then, per
 * image and per class, greedy non-maximum suppression: the highest-scoring candidate is kept and
 * every remaining one of the same class whose IoU with it exceeds {@code nms_threshold} is dropped,
 * repeatedly (as MXNet's {@code MultiBoxDetection}, which SageMaker's SSD uses, suppresses within
 * a class). Detections come out by descending score.
 *
 * <p>Not DL4J's {@code YoloUtils.getPredictedObjects}/{@code nms} (1.0.0-M2.1): its NMS walks the
 * list in the given order (grid position, not score) and drops a box that overlaps a higher-scoring
 * box of its class unless that box was already dropped, so its result depends on the order (A > B > C
 * with A∩B and B∩C but A and C apart: listed C, B, A it loses C, which greedy NMS keeps); it compares
 * boxes of different images of the minibatch with each other; and it scores by objectness alone, not
 * per class. {@code DecodingTest} shows the first two.
 */
public final class Decoding {

    /** MXNet's {@code MultiBoxDetection} default score threshold, which SageMaker's SSD inherits. */
    public static final double DEFAULT_CONFIDENCE_THRESHOLD = 0.01;

    private Decoding() {
    }

    /**
     * One detection.
     *
     * @param classId 0-based class
     * @param score {@code objectness × P(class)}, [0, 1]
     * @param xmin left edge, normalised to [0, 1]
     * @param ymin top edge
     * @param xmax right edge
     * @param ymax bottom edge
     */
    public record Detection(int classId, double score, double xmin, double ymin, double xmax, double ymax) {
        /** SageMaker's row: {@code [class, score, xmin, ymin, xmax, ymax]}. */
        public double[] toArray() {
            return new double[] {classId, score, xmin, ymin, xmax, ymax};
        }
    }

    /**
     * Decodes a minibatch.
     *
     * @param output the activated network output {@code [minibatch, B·(5+C), H, W]}
     * @param priors the network's {@code B} priors, {@code {width, height}} in grid units
     *     ({@link Detectors.Network#priors()})
     * @param confidenceThreshold minimum score kept, [0, 1]
     * @param nmsThreshold SageMaker's {@code nms_threshold}, [0, 1]: a box whose IoU with a kept
     *     higher-scoring box of its class exceeds it is suppressed
     * @return per image, its detections by descending score
     * @throws IllegalArgumentException when the output's shape does not fit the priors, or a threshold
     *     is outside [0, 1]
     */
    public static List<List<Detection>> decode(INDArray output, double[][] priors, double confidenceThreshold,
            double nmsThreshold) {
        Objects.requireNonNull(output, "output");
        if (!(confidenceThreshold >= 0 && confidenceThreshold <= 1)) {
            throw new IllegalArgumentException("confidence threshold " + confidenceThreshold + " must be in [0, 1]");
        }
        checkNms(nmsThreshold);
        int b = priors.length;
        if (output.rank() != 4 || b == 0 || output.size(1) % b != 0 || output.size(1) / b < 6) {
            throw new IllegalArgumentException("detector output " + java.util.Arrays.toString(output.shape())
                    + " is not [minibatch, B*(5+C), H, W] for B=" + b + " priors and C ≥ 1");
        }
        int mb = (int) output.size(0);
        int depth = (int) (output.size(1) / b);
        int classes = depth - 5;
        int h = (int) output.size(2);
        int w = (int) output.size(3);
        double[] v = output.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int plane = h * w;
        List<List<Detection>> out = new ArrayList<>(mb);
        for (int i = 0; i < mb; i++) {
            List<Detection> candidates = new ArrayList<>();
            for (int p = 0; p < b; p++) {
                int base = (i * b + p) * depth * plane;
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int at = base + y * w + x;
                        double objectness = v[at + 4 * plane];
                        if (objectness < confidenceThreshold) {
                            continue;
                        }
                        double cx = (x + v[at]) / w;
                        double cy = (y + v[at + plane]) / h;
                        double bw = v[at + 2 * plane] / w;
                        double bh = v[at + 3 * plane] / h;
                        double x0 = clip(cx - bw / 2);
                        double y0 = clip(cy - bh / 2);
                        double x1 = clip(cx + bw / 2);
                        double y1 = clip(cy + bh / 2);
                        for (int c = 0; c < classes; c++) {
                            double score = objectness * v[at + (5 + c) * plane];
                            if (score >= confidenceThreshold && score > 0) {
                                candidates.add(new Detection(c, score, x0, y0, x1, y1));
                            }
                        }
                    }
                }
            }
            out.add(nms(candidates, nmsThreshold));
        }
        return out;
    }

    /**
     * Greedy non-maximum suppression within each class.
     *
     * @param detections one image's candidates, any order
     * @param nmsThreshold [0, 1]: a candidate whose IoU with an already kept one of its class exceeds
     *     it is dropped
     * @return the kept detections by descending score (ties: the earlier candidate first)
     */
    public static List<Detection> nms(List<Detection> detections, double nmsThreshold) {
        checkNms(nmsThreshold);
        Map<Integer, List<Detection>> byClass = new TreeMap<>();
        for (Detection d : detections) {
            byClass.computeIfAbsent(d.classId(), k -> new ArrayList<>()).add(d);
        }
        List<Detection> kept = new ArrayList<>();
        Comparator<Detection> byScore = Comparator.comparingDouble(Detection::score).reversed();
        for (List<Detection> list : byClass.values()) {
            list.sort(byScore);
            List<Detection> keptHere = new ArrayList<>();
            for (Detection d : list) {
                boolean suppressed = false;
                for (Detection k : keptHere) {
                    if (iou(d, k) > nmsThreshold) {
                        suppressed = true;
                        break;
                    }
                }
                if (!suppressed) {
                    keptHere.add(d);
                }
            }
            kept.addAll(keptHere);
        }
        kept.sort(byScore);
        return kept;
    }

    /** Intersection over union of two boxes' areas (0 when either is empty). */
    public static double iou(Detection a, Detection b) {
        return iou(a.xmin(), a.ymin(), a.xmax(), a.ymax(), b.xmin(), b.ymin(), b.xmax(), b.ymax());
    }

    /** Intersection over union of two corner boxes {@code (xmin, ymin, xmax, ymax)}; 0 when the union is empty. */
    public static double iou(double ax0, double ay0, double ax1, double ay1, double bx0, double by0, double bx1,
            double by1) {
        double iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
        double ih = Math.min(ay1, by1) - Math.max(ay0, by0);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        double union = Math.max(0, ax1 - ax0) * Math.max(0, ay1 - ay0) + Math.max(0, bx1 - bx0) * Math.max(0, by1 - by0)
                - inter;
        return union <= 0 ? 0 : inter / union;
    }

    private static void checkNms(double nmsThreshold) {
        if (!(nmsThreshold >= 0 && nmsThreshold <= 1)) {
            throw new IllegalArgumentException("nms_threshold (nmsThreshold) " + nmsThreshold + " must be in [0, 1]");
        }
    }

    private static double clip(double x) {
        return Math.max(0, Math.min(1, x));
    }
}
