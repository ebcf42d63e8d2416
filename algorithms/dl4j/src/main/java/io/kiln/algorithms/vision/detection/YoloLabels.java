package io.kiln.algorithms.vision.detection;

import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Ground-truth boxes to the label array DL4J's {@code Yolo2OutputLayer} (deeplearning4j-nn 1.0.0-M2.1,
 * {@code org.deeplearning4j.nn.layers.objdetect.Yolo2OutputLayer}) trains on.
 *
 * <p>The format, read from that layer's source: a float array {@code [minibatch, 4 + C, H, W]} (NCHW,
 * {@code H × W} the output grid, {@code C} the classes). For the grid cell that holds an object's
 * centre, channels 0–3 are the object's corners {@code x1, y1, x2, y2} in <em>grid units</em>
 * (0..W across, 0..H down: the whole image, not the cell) and channels {@code 4..4+C} its class
 * one-hot; every other cell is all zeros (the layer infers "object present" from the one-hot's sum).
 *
 * <p>One object per cell, as in YOLO v2: when two centres fall in the same cell the larger box (by
 * area; the earlier one on a tie) is kept and the other is not trained on. With Kiln's grids (stride
 * 8 for images up to 128 pixels, see {@link Detectors}) that only happens to objects whose centres
 * are within a few pixels of each other.
 */
public final class YoloLabels {

    private YoloLabels() {
    }

    /**
     * One ground-truth object: a class and a box in normalised corner coordinates (0 = left/top edge
     * of the image, 1 = right/bottom edge), as SageMaker's Object Detection reports boxes.
     *
     * @param classId 0-based class, below the detector's {@code num_classes}
     * @param xmin left edge, [0, 1]
     * @param ymin top edge, [0, 1]
     * @param xmax right edge, (xmin, 1]
     * @param ymax bottom edge, (ymin, 1]
     */
    public record Box(int classId, double xmin, double ymin, double xmax, double ymax) {
        /** Area in normalised units (1 = the whole image). */
        public double area() {
            return (xmax - xmin) * (ymax - ymin);
        }
    }

    /**
     * The label array for a minibatch.
     *
     * @param images one list of boxes per image (an empty list: an image without objects)
     * @param numClasses the number of classes {@code C}
     * @param gridHeight the output grid's height {@code H} (the image height over the backbone's stride)
     * @param gridWidth the output grid's width {@code W}
     * @return a float32 array {@code [images.size(), 4 + numClasses, gridHeight, gridWidth]}
     * @throws IllegalArgumentException naming the image and box index when a class is outside
     *     {@code [0, numClasses)}, a coordinate is outside [0, 1] or not finite, or a box is empty
     *     ({@code xmax ≤ xmin} or {@code ymax ≤ ymin}); or for non-positive sizes
     */
    public static INDArray labels(List<List<Box>> images, int numClasses, int gridHeight, int gridWidth) {
        Objects.requireNonNull(images, "images");
        if (numClasses < 1 || gridHeight < 1 || gridWidth < 1) {
            throw new IllegalArgumentException("numClasses " + numClasses + ", grid " + gridHeight + "x" + gridWidth
                    + " must all be positive");
        }
        int n = images.size();
        int channels = 4 + numClasses;
        float[] out = new float[n * channels * gridHeight * gridWidth];
        double[] keptArea = new double[gridHeight * gridWidth];
        for (int i = 0; i < n; i++) {
            java.util.Arrays.fill(keptArea, -1);
            List<Box> boxes = images.get(i);
            for (int j = 0; j < boxes.size(); j++) {
                Box b = boxes.get(j);
                check(b, numClasses, i, j);
                double cx = (b.xmin() + b.xmax()) / 2 * gridWidth;
                double cy = (b.ymin() + b.ymax()) / 2 * gridHeight;
                int gx = Math.min((int) Math.floor(cx), gridWidth - 1);
                int gy = Math.min((int) Math.floor(cy), gridHeight - 1);
                int cell = gy * gridWidth + gx;
                if (b.area() <= keptArea[cell]) {
                    continue;
                }
                keptArea[cell] = b.area();
                int base = i * channels * gridHeight * gridWidth + cell;
                int plane = gridHeight * gridWidth;
                out[base] = (float) (b.xmin() * gridWidth);
                out[base + plane] = (float) (b.ymin() * gridHeight);
                out[base + 2 * plane] = (float) (b.xmax() * gridWidth);
                out[base + 3 * plane] = (float) (b.ymax() * gridHeight);
                for (int c = 0; c < numClasses; c++) {
                    out[base + (4 + c) * plane] = c == b.classId() ? 1f : 0f;
                }
            }
        }
        return Nd4j.create(out, new long[] {n, channels, gridHeight, gridWidth}, 'c').castTo(DataType.FLOAT);
    }

    private static void check(Box b, int numClasses, int image, int box) {
        String where = "image " + image + ", box " + box + ": ";
        if (b.classId() < 0 || b.classId() >= numClasses) {
            throw new IllegalArgumentException(where + "class " + b.classId() + " is outside 0.." + (numClasses - 1)
                    + " (num_classes " + numClasses + ")");
        }
        double[] v = {b.xmin(), b.ymin(), b.xmax(), b.ymax()};
        for (double x : v) {
            if (!(x >= 0 && x <= 1)) {
                throw new IllegalArgumentException(where + "coordinates " + b.xmin() + ", " + b.ymin() + ", " + b.xmax()
                        + ", " + b.ymax() + " must be normalised to [0, 1] (xmin, ymin, xmax, ymax)");
            }
        }
        if (!(b.xmax() > b.xmin()) || !(b.ymax() > b.ymin())) {
            throw new IllegalArgumentException(where + "box " + b.xmin() + ", " + b.ymin() + ", " + b.xmax() + ", "
                    + b.ymax() + " is empty: xmax must exceed xmin and ymax exceed ymin");
        }
    }
}
