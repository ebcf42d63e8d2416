package io.kiln.algorithms.vision.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmenterTest {
  private static DecodedImage random(int channels, int height, int width, long seed) {
    byte[] pixels = new byte[channels * height * width];
    new Random(seed).nextBytes(pixels);
    return new DecodedImage(pixels, height, width, channels);
  }

  private static void assertUnitRange(float[] values) {
    for (float v : values) {
      assertThat(v).isBetween(0f, 1f);
    }
  }

  /** The crop at (x0, y0), optionally mirrored, computed plainly from DecodedImage.at. */
  private static float[] expectedCrop(DecodedImage image, int h, int w, int x0, int y0, boolean mirror) {
    int c = image.channels();
    float[] out = new float[c * h * w];
    for (int k = 0; k < c; k++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int sx = x0 + (mirror ? w - 1 - x : x);
          out[(k * h + y) * w + x] = image.at(y0 + y, sx, k) / 255f;
        }
      }
    }
    return out;
  }

  @Test
  void centerCropIsChwScaledToUnitRange() {
    DecodedImage image = random(3, 10, 13, 1);
    Augmenter augmenter = new Augmenter(3, 6, 8);
    float[] out = augmenter.center(image);
    assertThat(out).hasSize(3 * 6 * 8);
    assertThat(out).containsExactly(expectedCrop(image, 6, 8, 2, 2, false));
    float[] batch = new float[2 * augmenter.size()];
    augmenter.center(image, batch, augmenter.size());
    assertThat(Arrays.copyOfRange(batch, augmenter.size(), batch.length)).containsExactly(out);
    assertThat(Arrays.copyOf(batch, augmenter.size())).containsOnly(0f);
    assertThat(augmenter.sample(image, AugmentationType.NONE, new Random(3))).containsExactly(out);
  }

  @Test
  void randomCropIsSomeWindowMaybeMirroredAndDeterministicPerSeed() {
    DecodedImage image = random(3, 12, 12, 2);
    Augmenter augmenter = new Augmenter(3, 8, 8);
    Set<String> seen = new HashSet<>();
    for (long seed = 0; seed < 60; seed++) {
      float[] out = augmenter.sample(image, AugmentationType.CROP, new Random(seed));
      assertThat(augmenter.sample(image, AugmentationType.CROP, new Random(seed))).containsExactly(out);
      String match = null;
      for (int y0 = 0; y0 <= 4 && match == null; y0++) {
        for (int x0 = 0; x0 <= 4 && match == null; x0++) {
          for (boolean mirror : new boolean[] {false, true}) {
            if (Arrays.equals(out, expectedCrop(image, 8, 8, x0, y0, mirror))) {
              match = x0 + "," + y0 + "," + mirror;
            }
          }
        }
      }
      assertThat(match).as("seed %d gives a crop window", seed).isNotNull();
      seen.add(match);
    }
    assertThat(seen.size()).as("distinct windows over 60 seeds").isGreaterThan(20);
    assertThat(seen).anyMatch(s -> s.endsWith("true")).anyMatch(s -> s.endsWith("false"));
  }

  @Test
  void colourJitterIsDeterministicBoundedAndVaries() {
    DecodedImage image = random(3, 20, 20, 3);
    Augmenter augmenter = new Augmenter(3, 16, 16);
    float[] a = augmenter.sample(image, AugmentationType.CROP_COLOR, new Random(42));
    float[] b = augmenter.sample(image, AugmentationType.CROP_COLOR, new Random(42));
    assertThat(a).containsExactly(b);
    assertUnitRange(a);
    // the same crop without colour (same first draws) differs once the colour offsets apply
    float[] plain = augmenter.sample(image, AugmentationType.CROP, new Random(42));
    assertThat(a).isNotEqualTo(plain);
    DecodedImage gray = random(1, 20, 20, 4);
    float[] g = new Augmenter(1, 16, 16).sample(gray, AugmentationType.CROP_COLOR, new Random(1));
    assertThat(g).hasSize(256);
    assertUnitRange(g);
  }

  @Test
  void hlsRoundTripIsExactWithoutOffsetsAndLightnessShiftsGray() {
    Augmenter augmenter = new Augmenter(3, 4, 4);
    DecodedImage image = random(3, 4, 4, 5);
    float[] out = augmenter.center(image);
    float[] copy = out.clone();
    augmenter.jitter(copy, 0, 0, 0, 0);
    for (int i = 0; i < out.length; i++) {
      assertThat(copy[i]).isCloseTo(out[i], within(1e-5f));
    }
    // pure red (hue 0): +30 hue units = +60 degrees gives yellow
    float[] red = new float[48];
    Arrays.fill(red, 0, 16, 1f);
    augmenter.jitter(red, 0, 30, 0, 0);
    assertThat(red[0]).isCloseTo(1f, within(1e-5f));
    assertThat(red[16]).isCloseTo(1f, within(1e-5f));
    assertThat(red[32]).isCloseTo(0f, within(1e-5f));
    // black + 51 lightness = gray 0.2 on every channel
    float[] black = new float[48];
    augmenter.jitter(black, 0, 0, 0, 51);
    for (float v : black) {
      assertThat(v).isCloseTo(0.2f, within(1e-5f));
    }
  }

  @Test
  void affineTransformKeepsShapeDeterminismAndConstantImages() {
    // an image of the fill value stays one colour whatever the rotation, shear, aspect and crop
    byte[] constant = new byte[3 * 40 * 40];
    Arrays.fill(constant, (byte) Augmenter.FILL);
    DecodedImage flat = new DecodedImage(constant, 40, 40, 3);
    Augmenter augmenter = new Augmenter(3, 20, 20);
    for (long seed = 0; seed < 20; seed++) {
      float[] out = augmenter.sample(flat, AugmentationType.CROP_COLOR_TRANSFORM, new Random(seed));
      assertThat(out).hasSize(1200);
      assertUnitRange(out);
      for (int i = 1; i < 400; i++) {
        for (int k = 0; k < 3; k++) {
          assertThat(out[k * 400 + i]).isCloseTo(out[k * 400], within(1e-4f));
        }
      }
    }
    DecodedImage image = random(3, 30, 30, 6);
    float[] a = augmenter.sample(image, AugmentationType.CROP_COLOR_TRANSFORM, new Random(9));
    assertThat(augmenter.sample(image, AugmentationType.CROP_COLOR_TRANSFORM, new Random(9))).containsExactly(a);
    assertThat(augmenter.sample(image, AugmentationType.CROP_COLOR_TRANSFORM, new Random(10))).isNotEqualTo(a);
  }

  @Test
  void affineBringsInTheFillValueAtTheBorders() {
    byte[] black = new byte[28 * 28];
    DecodedImage image = new DecodedImage(black, 28, 28, 1);
    Augmenter augmenter = new Augmenter(1, 28, 28);
    boolean filled = false;
    for (long seed = 0; seed < 10 && !filled; seed++) {
      float[] out = augmenter.sample(image, AugmentationType.CROP_COLOR_TRANSFORM, new Random(seed));
      // the crop covers the whole image, so a rotated or sheared image shows fill (255) in a corner
      float corner = Math.max(Math.max(out[0], out[27]), Math.max(out[27 * 28], out[28 * 28 - 1]));
      filled = corner > 0.5f + 50 / 255f;
    }
    assertThat(filled).as("fill value 255 shows in a corner").isTrue();
  }

  @Test
  void wrongChannelsOrTooSmallImagesAreProgrammingErrors() {
    Augmenter augmenter = new Augmenter(3, 8, 8);
    assertThatThrownBy(() -> augmenter.center(random(1, 8, 8, 1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> augmenter.center(random(3, 7, 8, 1))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void augmentationTypeParsesSageMakerValues() {
    assertThat(AugmentationType.fromHyperparameter(null)).isEqualTo(AugmentationType.NONE);
    assertThat(AugmentationType.fromHyperparameter("crop")).isEqualTo(AugmentationType.CROP);
    assertThat(AugmentationType.fromHyperparameter(" Crop_Color ")).isEqualTo(AugmentationType.CROP_COLOR);
    assertThat(AugmentationType.fromHyperparameter("crop_color_transform"))
        .isEqualTo(AugmentationType.CROP_COLOR_TRANSFORM);
    assertThatThrownBy(() -> AugmentationType.fromHyperparameter("flip"))
        .isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).contains("augmentation_type is 'flip'", "crop, crop_color, crop_color_transform");
        });
  }

  /**
   * Prints images per second for each augmentation type, by wall clock and by the thread's CPU time
   * (the second is steadier on a shared machine). Prints only: no timing assertion.
   */
  @Test
  void throughput() {
    measure(random(3, 256, 256, 7), new Augmenter(3, 224, 224), 3, 224, 200);
    measure(random(1, 32, 32, 8), new Augmenter(1, 28, 28), 1, 28, 20_000);
  }

  private static void measure(DecodedImage image, Augmenter augmenter, int channels, int side, int count) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    float[] out = new float[augmenter.size()];
    for (AugmentationType type : AugmentationType.values()) {
      Random random = new Random(1);
      for (int i = 0; i < count; i++) {
        augmenter.sample(image, type, random, out, 0);
      }
      long cpu = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        augmenter.sample(image, type, random, out, 0);
      }
      double wall = (System.nanoTime() - start) / 1e9;
      double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
      System.out.printf("Augmenter %dx%dx%d from %dx%d %s: %.0f images/s (wall), %.0f images per CPU second%n",
          channels, side, side, image.height(), image.width(), type.value(), count / wall, count / cpuSeconds);
    }
  }
}
