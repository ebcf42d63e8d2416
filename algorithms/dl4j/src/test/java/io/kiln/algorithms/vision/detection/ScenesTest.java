package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.algorithms.vision.detection.Annotations.Annotation;
import io.kiln.algorithms.vision.detection.Annotations.Box;
import io.kiln.algorithms.vision.detection.Scenes.Scene;
import io.kiln.algorithms.vision.detection.Scenes.SceneSet;
import io.kiln.algorithms.vision.images.DecodedImage;
import io.kiln.algorithms.vision.images.ImageDecoder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The generated scene set meets the acceptance's terms (>= 2 objects per scene, >= 3 classes, validation
 * from other source digits, boxes on the digits' ink, no overlap), is deterministic, and reads back
 * through {@link Annotations} (JSON, VOC and the MXNet list) to the boxes it was built with.
 */
class ScenesTest {
  @Test
  void scenesMeetTheAcceptanceTermsAndReadBack() {
    SceneSet set = Scenes.generate(11, 60, 20, 64, 0, 1, 2);
    assertThat(set.numClasses()).isEqualTo(3);
    assertThat(set.classNames()).containsExactly("digit0", "digit1", "digit2");
    Set<Integer> trainSources = new HashSet<>();
    set.train().forEach(s -> trainSources.addAll(s.sourceRows()));
    for (Scene s : set.validation()) {
      assertThat(s.sourceRows()).as("validation digits are not training digits").doesNotContainAnyElementsOf(trainSources);
    }
    ImageDecoder decoder = new ImageDecoder(3, 64, 64, 0);
    Map<String, Integer> vocIds = Annotations.classIds(set.classNames(), set.numClasses());
    int vocScenes = 0;
    for (List<Scene> split : List.of(set.train(), set.validation())) {
      Set<Integer> classes = split.stream().flatMap(s -> s.boxes().stream()).map(Box::classId).collect(Collectors.toSet());
      assertThat(classes).containsExactlyInAnyOrder(0, 1, 2);
      for (Scene s : split) {
        assertThat(s.boxes()).hasSizeBetween(2, 3);
        for (int i = 0; i < s.boxes().size(); i++) {
          Box a = s.boxes().get(i);
          assertThat(a.xmin()).isGreaterThanOrEqualTo(0f);
          assertThat(a.xmax()).isLessThanOrEqualTo(1f).isGreaterThan(a.xmin());
          assertThat(a.ymax()).isLessThanOrEqualTo(1f).isGreaterThan(a.ymin());
          // a digit 2x-4x upscaled: its ink is at least 2 and at most 32 pixels wide
          assertThat(a.width() * 64).isBetween(2f, 32f);
          for (int j = i + 1; j < s.boxes().size(); j++) {
            assertThat(MeanAveragePrecision.iou(a.xmin(), a.ymin(), a.xmax(), a.ymax(), s.boxes().get(j)))
                .as("scene %s boxes %d and %d", s.imagePath(), i, j).isZero();
          }
        }
        Annotation json = Annotations.read("s3://b/train_annotation/" + s.jsonName(), s.json(), 3, 350, Map.of());
        assertThat(json.file()).isEqualTo(s.imagePath());
        assertThat(json.boxes()).isEqualTo(s.boxes());
        assertThat(json.categories()).containsEntry(2, "digit2");
        if (s.voc() != null) {
          vocScenes++;
          List<String> names = Annotations.vocClassNames(s.vocName(), s.voc());
          assertThat(names).hasSize(s.boxes().size());
          Annotation voc = Annotations.read(s.vocName(), s.voc(), 3, 350, vocIds);
          assertThat(voc.boxes()).isEqualTo(s.boxes());
          assertThat(voc.file()).isEqualTo(s.imagePath());
        }
        List<Annotation> lst = Annotations.parseList("t.lst",
            new ByteArrayInputStream(s.lstLine().getBytes(StandardCharsets.UTF_8)), 3, 350);
        for (int i = 0; i < s.boxes().size(); i++) {
          Box a = s.boxes().get(i);
          Box b = lst.get(0).boxes().get(i);
          assertThat(b.classId()).isEqualTo(a.classId());
          assertThat(b.xmin()).isCloseTo(a.xmin(), org.assertj.core.api.Assertions.within(1e-6f));
          assertThat(b.ymax()).isCloseTo(a.ymax(), org.assertj.core.api.Assertions.within(1e-6f));
        }
        // the image: 64x64, the background outside the boxes, ink (brighter) inside each box's edges
        DecodedImage img = decoder.decode(s.png(), s.imagePath());
        assertThat(img.height()).isEqualTo(64);
        for (Box b : s.boxes()) {
          int x0 = Math.round(b.xmin() * 64);
          int x1 = Math.round(b.xmax() * 64) - 1;
          int y0 = Math.round(b.ymin() * 64);
          int y1 = Math.round(b.ymax() * 64) - 1;
          assertThat(maxInColumn(img, x0, y0, y1)).as("ink on the left edge").isGreaterThan(Scenes.BACKGROUND);
          assertThat(maxInColumn(img, x1, y0, y1)).as("ink on the right edge").isGreaterThan(Scenes.BACKGROUND);
        }
        assertThat(img.at(0, 0, 0) == Scenes.BACKGROUND || inAnyBox(s, 0, 0)).isTrue();
      }
    }
    assertThat(vocScenes).isEqualTo(12 + 4);
    // deterministic by seed; another seed gives other scenes
    SceneSet again = Scenes.generate(11, 60, 20, 64, 0, 1, 2);
    assertThat(again.train().get(17).png()).isEqualTo(set.train().get(17).png());
    assertThat(again.validation().get(3).json()).isEqualTo(set.validation().get(3).json());
    assertThat(Scenes.generate(12, 60, 20, 64, 0, 1, 2).train().get(17).json()).isNotEqualTo(set.train().get(17).json());
  }

  private static int maxInColumn(DecodedImage img, int x, int y0, int y1) {
    int max = 0;
    for (int y = y0; y <= y1; y++) {
      max = Math.max(max, img.at(y, x, 0));
    }
    return max;
  }

  private static boolean inAnyBox(Scene s, int x, int y) {
    List<Box> hit = new ArrayList<>();
    for (Box b : s.boxes()) {
      if (x >= b.xmin() * 64 && x < b.xmax() * 64 && y >= b.ymin() * 64 && y < b.ymax() * 64) {
        hit.add(b);
      }
    }
    return !hit.isEmpty();
  }
}
