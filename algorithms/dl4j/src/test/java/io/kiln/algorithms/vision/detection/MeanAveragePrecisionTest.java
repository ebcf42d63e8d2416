package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.algorithms.vision.detection.Annotations.Box;
import io.kiln.algorithms.vision.detection.MeanAveragePrecision.Interpolation;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VOC-style mAP: hand-checked cases (the expected AP worked out in the comments), the same cases and
 * random problems against an independent numpy implementation of the VOC devkit's algorithm
 * (src/test/resources/.../voc_map_reference.py, run with /usr/bin/python3; the test fails if python3 or
 * numpy is missing), and merging across workers through the float / Base64 forms.
 */
class MeanAveragePrecisionTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  /** One image of a problem: detections [class, score, xmin, ymin, xmax, ymax] and ground-truth boxes. */
  private record Image(float[][] dets, List<Box> gts) {}

  private static float[] det(int c, double score, double x1, double y1, double x2, double y2) {
    return new float[] {c, (float) score, (float) x1, (float) y1, (float) x2, (float) y2};
  }

  private static Box gt(int c, double x1, double y1, double x2, double y2) {
    return new Box(c, (float) x1, (float) y1, (float) x2, (float) y2, false);
  }

  private static Box difficult(int c, double x1, double y1, double x2, double y2) {
    return new Box(c, (float) x1, (float) y1, (float) x2, (float) y2, true);
  }

  private static MeanAveragePrecision run(int classes, double iou, Interpolation mode, List<Image> images) {
    MeanAveragePrecision m = new MeanAveragePrecision(classes, iou, mode);
    for (Image im : images) {
      m.add(im.dets(), im.gts());
    }
    return m;
  }

  // case A: two boxes, three detections: TP (0.9), FP without overlap (0.8), TP with IoU 0.833 (0.7)
  private static List<Image> caseA() {
    return List.of(new Image(new float[][] {det(0, 0.9, 0.1, 0.1, 0.3, 0.3), det(0, 0.8, 0.4, 0.4, 0.5, 0.5),
        det(0, 0.7, 0.6, 0.6, 0.9, 0.85)}, List.of(gt(0, 0.1, 0.1, 0.3, 0.3), gt(0, 0.6, 0.6, 0.9, 0.9))));
  }

  @Test
  void handCheckedTwoTruePositivesAroundAFalseOne() throws Exception {
    // records by score: TP, FP, TP; recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
    // 11-point: t = 0..0.5 (6 levels): max precision at recall >= t is 1; t = 0.6..1.0 (5 levels): 2/3.
    //   AP = (6 * 1 + 5 * 2/3) / 11 = 28/33 = 0.848484...
    // all points: envelope 1 up to recall 0.5, 2/3 up to 1: AP = 0.5 * 1 + 0.5 * 2/3 = 0.833333...
    MeanAveragePrecision voc07 = run(1, 0.5, Interpolation.VOC07_11_POINT, caseA());
    assertThat(voc07.meanAveragePrecision()).isCloseTo(28.0 / 33, within(1e-12));
    assertThat(voc07.truePositiveCount(0)).isEqualTo(2);
    assertThat(voc07.detectionCount(0)).isEqualTo(3);
    assertThat(voc07.groundTruthCount(0)).isEqualTo(2);
    assertThat(run(1, 0.5, Interpolation.ALL_POINTS, caseA()).meanAveragePrecision())
        .isCloseTo(5.0 / 6, within(1e-12));
    assertMatchesReference(1, 0.5, caseA());
    // SageMaker's defaults
    assertThat(MeanAveragePrecision.sageMaker(1).interpolation()).isEqualTo(Interpolation.VOC07_11_POINT);
    assertThat(MeanAveragePrecision.sageMaker(1).iouThreshold()).isEqualTo(0.5);
  }

  // case B: a duplicate on an already matched box, and IoU exactly at the threshold
  private static List<Image> caseB() {
    return List.of(new Image(new float[][] {det(0, 0.6, 0, 0, 0.4, 0.2), det(0, 0.9, 0, 0, 0.4, 0.4),
        det(1, 0.5, 0, 0.5, 0.25, 1.0)}, List.of(gt(0, 0, 0, 0.4, 0.4), gt(1, 0, 0.5, 0.5, 1.0))));
  }

  @Test
  void handCheckedDuplicatesAndTheThreshold() throws Exception {
    // class 0: the 0.9 detection is the box itself (TP); the 0.6 one (IoU 0.08/0.16 = 0.5) finds the box
    // taken: FP. Recall 1, 1; precision 1, 0.5: AP 1 either way.
    // class 1: IoU 0.125/0.25 = 0.5 exactly (binary fractions): >= 0.5 is a TP, AP 1; at 0.6 an FP, AP 0.
    MeanAveragePrecision m = run(2, 0.5, Interpolation.VOC07_11_POINT, caseB());
    // (eleven additions of 1/11 make 1.0000000000000002, in numpy as here)
    assertThat(m.averagePrecisions()).containsExactly(new double[] {1.0, 1.0}, within(1e-12));
    assertThat(m.truePositiveCount(0)).isEqualTo(1);
    assertThat(m.detectionCount(0)).isEqualTo(2);
    MeanAveragePrecision strict = run(2, 0.6, Interpolation.VOC07_11_POINT, caseB());
    // class 0 at 0.6: the 0.6 detection (IoU 0.5) is an FP below the threshold; AP still 1
    assertThat(strict.averagePrecisions()).containsExactly(new double[] {1.0, 0.0}, within(1e-12));
    assertThat(strict.meanAveragePrecision()).isCloseTo(0.5, within(1e-12));
    assertMatchesReference(2, 0.5, caseB());
    assertMatchesReference(2, 0.6, caseB());
  }

  // case C: a detection on a difficult box is ignored, and the difficult box is not counted
  private static List<Image> caseC() {
    return List.of(new Image(new float[][] {det(0, 0.9, 0.5, 0.5, 0.75, 0.75), det(0, 0.8, 0, 0, 0.25, 0.25),
        det(0, 0.7, 0.3, 0.0, 0.4, 0.1)}, List.of(gt(0, 0, 0, 0.25, 0.25), difficult(0, 0.5, 0.5, 0.75, 0.75))));
  }

  @Test
  void handCheckedDifficultBoxes() throws Exception {
    // 0.9 on the difficult box: ignored; 0.8: TP; 0.7: FP. One box counts. Recall 1, 1; precision 1, 0.5:
    // AP 1. (Counting the 0.9 as an FP would give precision 0, 0.5 and an 11-point AP of 0.5.)
    MeanAveragePrecision m = run(1, 0.5, Interpolation.VOC07_11_POINT, caseC());
    assertThat(m.groundTruthCount(0)).isEqualTo(1);
    assertThat(m.detectionCount(0)).isEqualTo(2);
    assertThat(m.meanAveragePrecision()).isCloseTo(1.0, within(1e-12));
    assertThat(run(1, 0.5, Interpolation.ALL_POINTS, caseC()).meanAveragePrecision()).isEqualTo(1.0);
    assertMatchesReference(1, 0.5, caseC());
  }

  // case D: class 0 found, class 1 never detected, class 2 detected but absent
  private static List<Image> caseD() {
    return List.of(new Image(new float[][] {det(0, 0.9, 0, 0, 0.5, 0.5), det(2, 0.95, 0.5, 0.5, 1, 1),
        det(-1, 0.99, 0, 0, 1, 1)}, List.of(gt(0, 0, 0, 0.5, 0.5), gt(1, 0.5, 0, 1, 0.5))));
  }

  @Test
  void handCheckedClassesWithoutGroundTruthAreLeftOut() throws Exception {
    // class 0: AP 1; class 1: a box and no detection, AP 0; class 2: no ground truth, left out (NaN);
    // the -1 detection (MXNet's background) is skipped. mAP = (1 + 0) / 2 = 0.5.
    MeanAveragePrecision m = run(3, 0.5, Interpolation.VOC07_11_POINT, caseD());
    double[] ap = m.averagePrecisions();
    assertThat(ap[0]).isCloseTo(1.0, within(1e-12));
    assertThat(ap[1]).isEqualTo(0.0);
    assertThat(ap[2]).isNaN();
    assertThat(m.meanAveragePrecision()).isCloseTo(0.5, within(1e-12));
    assertThat(new MeanAveragePrecision(3, 0.5, Interpolation.ALL_POINTS).meanAveragePrecision()).isNaN();
    assertMatchesReference(3, 0.5, caseD());
  }

  // case E: ten boxes, three found: recall 0.1, 0.2, 0.3 at precision 1
  private static List<Image> caseE() {
    List<Box> boxes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      boxes.add(gt(0, i * 0.1, 0, i * 0.1 + 0.05, 0.05));
    }
    return List.of(new Image(new float[][] {det(0, 0.9, 0, 0, 0.05, 0.05), det(0, 0.8, 0.1, 0, 0.15, 0.05),
        det(0, 0.7, 0.2, 0, 0.25, 0.05)}, boxes));
  }

  @Test
  void handCheckedElevenPointLevelsAsNumpysArange() throws Exception {
    // 11-point levels are numpy's arange(0, 1.1, 0.1): 0, 0.1, 0.2, then 0.30000000000000004, above the
    // recall 3/10 = 0.3. So precision 1 counts at 3 levels: AP = 3/11. All points: 0.3 * 1 = 0.3.
    assertThat(run(1, 0.5, Interpolation.VOC07_11_POINT, caseE()).meanAveragePrecision())
        .isCloseTo(3.0 / 11, within(1e-12));
    assertThat(run(1, 0.5, Interpolation.ALL_POINTS, caseE()).meanAveragePrecision()).isCloseTo(0.3, within(1e-12));
    assertMatchesReference(1, 0.5, caseE());
  }

  @Test
  void randomProblemsAgreeWithTheNumpyReference() throws Exception {
    Random r = new Random(20261201);
    for (int p = 0; p < 6; p++) {
      int classes = 1 + r.nextInt(5);
      List<Image> images = randomProblem(r, classes, 10 + r.nextInt(60));
      double iou = p % 3 == 0 ? 0.5 : 0.3 + 0.5 * r.nextDouble();
      assertMatchesReference(classes, iou, images);
    }
  }

  @Test
  void mergedWorkersEqualOnePass() {
    Random r = new Random(7);
    List<Image> images = randomProblem(r, 4, 80);
    for (Interpolation mode : Interpolation.values()) {
      MeanAveragePrecision whole = run(4, 0.45, mode, images);
      MeanAveragePrecision a = run(4, 0.45, mode, images.subList(0, 30));
      MeanAveragePrecision b = run(4, 0.45, mode, images.subList(30, 55));
      MeanAveragePrecision c = run(4, 0.45, mode, images.subList(55, 80));
      // worker c's state travels as floats, worker b's as Base64 (allGather); merged in another order
      MeanAveragePrecision merged = MeanAveragePrecision.fromFloats(c.toFloats());
      merged.merge(MeanAveragePrecision.decode(b.encode()));
      merged.merge(a);
      assertThat(merged.averagePrecisions()).containsExactly(whole.averagePrecisions());
      assertThat(merged.meanAveragePrecision()).isEqualTo(whole.meanAveragePrecision());
      assertThat(merged.meanAveragePrecision()).isBetween(0.05, 0.95);
      for (int k = 0; k < 4; k++) {
        assertThat(merged.groundTruthCount(k)).isEqualTo(whole.groundTruthCount(k));
        assertThat(merged.detectionCount(k)).isEqualTo(whole.detectionCount(k));
      }
    }
    MeanAveragePrecision three = MeanAveragePrecision.sageMaker(3);
    assertThatThrownBy(() -> three.merge(MeanAveragePrecision.sageMaker(4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot merge");
    assertThatThrownBy(() -> MeanAveragePrecision.fromFloats(new float[] {2, 0.5f, 0, 1, 5}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> three.add(new float[][] {det(3, 0.5, 0, 0, 1, 1)}, List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside [0, 3)");
  }

  /**
   * Ground truth of 0 to 4 boxes per image (one in six difficult); detections: most boxes found with
   * jitter (some with the wrong class, some twice), plus random false boxes; scores uniform.
   */
  private static List<Image> randomProblem(Random r, int classes, int count) {
    List<Image> images = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<Box> gts = new ArrayList<>();
      List<float[]> dets = new ArrayList<>();
      int n = r.nextInt(5);
      for (int k = 0; k < n; k++) {
        double w = 0.1 + 0.3 * r.nextDouble();
        double h = 0.1 + 0.3 * r.nextDouble();
        double x = r.nextDouble() * (1 - w);
        double y = r.nextDouble() * (1 - h);
        int c = r.nextInt(classes);
        gts.add(new Box(c, (float) x, (float) y, (float) (x + w), (float) (y + h), r.nextInt(6) == 0));
        int copies = r.nextDouble() < 0.75 ? (r.nextDouble() < 0.2 ? 2 : 1) : 0;
        for (int j = 0; j < copies; j++) {
          double jx = (r.nextDouble() - 0.5) * 0.25 * w;
          double jy = (r.nextDouble() - 0.5) * 0.25 * h;
          int dc = r.nextDouble() < 0.1 ? r.nextInt(classes) : c;
          dets.add(det(dc, r.nextDouble(), x + jx, y + jy, x + jx + w * (0.8 + 0.4 * r.nextDouble()),
              y + jy + h * (0.8 + 0.4 * r.nextDouble())));
        }
      }
      int noise = r.nextInt(3);
      for (int k = 0; k < noise; k++) {
        double x = r.nextDouble() * 0.8;
        double y = r.nextDouble() * 0.8;
        dets.add(det(r.nextInt(classes), r.nextDouble(), x, y, x + 0.05 + 0.15 * r.nextDouble(),
            y + 0.05 + 0.15 * r.nextDouble()));
      }
      images.add(new Image(dets.toArray(new float[0][]), gts));
    }
    return images;
  }

  /** Runs the numpy reference on the problem and compares every class's AP, both interpolations. */
  private void assertMatchesReference(int classes, double iou, List<Image> images) throws Exception {
    StringBuilder json = new StringBuilder("{\"num_classes\": " + classes + ", \"iou\": " + iou + ", \"images\": [");
    for (int i = 0; i < images.size(); i++) {
      json.append(i == 0 ? "" : ",").append("{\"dets\": [");
      float[][] dets = images.get(i).dets();
      for (int k = 0; k < dets.length; k++) {
        json.append(k == 0 ? "" : ",").append('[');
        for (int j = 0; j < 6; j++) {
          // Double.toString of the float's exact value: Python parses back the same double
          json.append(j == 0 ? "" : ",").append(Double.toString(dets[k][j]));
        }
        json.append(']');
      }
      json.append("], \"gts\": [");
      List<Box> gts = images.get(i).gts();
      for (int k = 0; k < gts.size(); k++) {
        Box b = gts.get(k);
        json.append(k == 0 ? "" : ",").append('[').append(b.classId()).append(',')
            .append(Double.toString(b.xmin())).append(',').append(Double.toString(b.ymin())).append(',')
            .append(Double.toString(b.xmax())).append(',').append(Double.toString(b.ymax())).append(',')
            .append(b.difficult() ? 1 : 0).append(']');
      }
      json.append("]}");
    }
    json.append("]}");
    Path problem = Files.createTempFile(dir, "problem", ".json");
    Files.writeString(problem, json);
    Path script = dir.resolve("voc_map_reference.py");
    if (!Files.exists(script)) {
      try (InputStream in = getClass().getResourceAsStream("voc_map_reference.py")) {
        assertThat(in).as("test resource voc_map_reference.py").isNotNull();
        Files.copy(in, script);
      }
    }
    Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), problem.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python3 finished").isTrue();
    assertThat(p.exitValue()).as("/usr/bin/python3 with numpy ran the reference: %s", out).isZero();
    JsonNode ref = JSON.readTree(out);
    for (Interpolation mode : Interpolation.values()) {
      double[] ours = run(classes, iou, mode, images).averagePrecisions();
      JsonNode theirs = ref.get(mode == Interpolation.VOC07_11_POINT ? "voc07" : "all");
      for (int c = 0; c < classes; c++) {
        if (theirs.get(c).isNull()) {
          assertThat(ours[c]).as("class %d %s (no ground truth)", c, mode).isNaN();
        } else {
          assertThat(ours[c]).as("class %d %s", c, mode).isCloseTo(theirs.get(c).asDouble(), within(1e-9));
        }
      }
    }
  }
}
