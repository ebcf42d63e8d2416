package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.detection.Annotations.Box;
import io.kiln.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * The Object Detection acceptance's generated scene set: real handwritten digits
 * ({@code ../shared/data/digits.csv.gz}, scikit-learn's 8x8 digits, values 0..16) pasted onto a blank
 * gray square canvas at random positions and integer scales (nearest-neighbour upscaling), without
 * overlapping one another; 2 or 3 objects per scene. Training scenes are built only from one part of
 * the source digits and validation scenes only from the rest (a seeded split of each class's rows, a
 * third for validation), so validation measures digits the detector has never seen.
 *
 * <p>Each scene is written as SageMaker's image-format input: an RGB PNG (R = G = B) at
 * {@code scenes/scene-NNNNN.png} in the image channel and a JSON annotation {@code scene-NNNNN.json}
 * for the annotation channel; every fifth scene also has a Pascal VOC XML ({@code scene-NNNNN.xml}).
 * A box is the digit's visible ink: the bounding rectangle of its source pixels brighter than the
 * canvas, scaled. Class ids
 * are the positions of the chosen digits ({@code digits[i]} is class i) and class names are
 * {@code digitD}, which sort in class-id order (so {@link Annotations#classIds} maps VOC names back to
 * the same ids). Everything follows from the seed.
 */
public final class Scenes {
  /** The canvas's gray level (0..255); a digit pixel is drawn as max(canvas, digit). */
  public static final int BACKGROUND = 40;

  /**
   * One generated scene.
   *
   * @param index the scene's number within its split
   * @param imagePath the PNG's path relative to the image channel, e.g. {@code scenes/scene-00003.png}
   * @param png the encoded RGB PNG
   * @param jsonName the JSON annotation's name in the annotation channel
   * @param json SageMaker's JSON annotation (UTF-8)
   * @param vocName the VOC annotation's name, or null
   * @param voc the Pascal VOC XML (UTF-8), or null for the scenes without one
   * @param boxes the objects, normalised corners
   * @param sourceRows the rows of digits.csv.gz pasted, one per box
   */
  public record Scene(int index, String imagePath, byte[] png, String jsonName, byte[] json, String vocName,
      byte[] voc, List<Box> boxes, List<Integer> sourceRows) {
    /** MXNet's detection {@code .lst} line for this scene: index, 2, 5, objects, path (tab-separated). */
    public String lstLine() {
      StringBuilder b = new StringBuilder().append(index).append("\t2\t5");
      for (Box x : boxes) {
        b.append('\t').append(x.classId()).append(String.format(Locale.ROOT, "\t%.6f\t%.6f\t%.6f\t%.6f", x.xmin(),
            x.ymin(), x.xmax(), x.ymax()));
      }
      return b.append('\t').append(imagePath).toString();
    }
  }

  /**
   * A generated set.
   *
   * @param train the training scenes
   * @param validation the validation scenes, from other source digits than {@code train}
   * @param classNames the class names by id ({@code digitD})
   * @param canvas the side of the square scenes in pixels
   */
  public record SceneSet(List<Scene> train, List<Scene> validation, List<String> classNames, int canvas) {
    /** Number of classes. */
    public int numClasses() {
      return classNames.size();
    }
  }

  private Scenes() {}

  /**
   * Generates a scene set from the shared digits.
   *
   * @param seed everything random follows from it
   * @param trainCount training scenes
   * @param validationCount validation scenes
   * @param canvas side of the square canvas in pixels (at least 64: two 32-pixel digits fit side by side)
   * @param digits the digits used as classes (at least 3, distinct, 0..9), e.g. {@code 0, 1, 2}
   */
  public static SceneSet generate(long seed, int trainCount, int validationCount, int canvas, int... digits) {
    if (digits.length < 3 || canvas < 64) {
      throw new IllegalArgumentException("at least 3 digit classes and a canvas of at least 64 pixels");
    }
    List<String> rows = SharedData.digits();
    List<List<Integer>> trainRows = new ArrayList<>();
    List<List<Integer>> validationRows = new ArrayList<>();
    Random split = new Random(seed);
    List<String> names = new ArrayList<>();
    for (int digit : digits) {
      names.add("digit" + digit);
      List<Integer> mine = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if ((int) Double.parseDouble(rows.get(i).substring(0, rows.get(i).indexOf(','))) == digit) {
          mine.add(i);
        }
      }
      Collections.shuffle(mine, split);
      int v = mine.size() / 3;
      validationRows.add(List.copyOf(mine.subList(0, v)));
      trainRows.add(List.copyOf(mine.subList(v, mine.size())));
    }
    List<Scene> train = scenes(new Random(seed * 31 + 1), trainCount, canvas, rows, trainRows, names);
    List<Scene> validation = scenes(new Random(seed * 31 + 2), validationCount, canvas, rows, validationRows, names);
    return new SceneSet(train, validation, List.copyOf(names), canvas);
  }

  private static List<Scene> scenes(Random r, int count, int canvas, List<String> rows, List<List<Integer>> byClass,
      List<String> names) {
    List<Scene> out = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      out.add(scene(r, s, canvas, rows, byClass, names));
    }
    return out;
  }

  private static Scene scene(Random r, int index, int canvas, List<String> rows, List<List<Integer>> byClass,
      List<String> names) {
    while (true) {
      int[][] pixels = new int[canvas][canvas];
      for (int[] row : pixels) {
        java.util.Arrays.fill(row, BACKGROUND);
      }
      int objects = 2 + r.nextInt(2);
      List<int[]> squares = new ArrayList<>(); // x, y, side of each pasted square
      List<Box> boxes = new ArrayList<>();
      List<Integer> sources = new ArrayList<>();
      for (int o = 0; o < objects; o++) {
        int cls = r.nextInt(byClass.size());
        List<Integer> candidates = byClass.get(cls);
        int row = candidates.get(r.nextInt(candidates.size()));
        int scale = 2 + r.nextInt(3);
        int side = 8 * scale;
        int[] placed = null;
        for (int attempt = 0; attempt < 50 && placed == null; attempt++) {
          int x = r.nextInt(canvas - side + 1);
          int y = r.nextInt(canvas - side + 1);
          boolean free = true;
          for (int[] q : squares) {
            free &= x + side <= q[0] || q[0] + q[2] <= x || y + side <= q[1] || q[1] + q[2] <= y;
          }
          if (free) {
            placed = new int[] {x, y, side};
          }
        }
        if (placed == null) {
          continue;
        }
        int[] digit = digit(rows.get(row));
        int minX = 8;
        int minY = 8;
        int maxX = -1;
        int maxY = -1;
        for (int py = 0; py < 8; py++) {
          for (int px = 0; px < 8; px++) {
            int v = digit[py * 8 + px];
            if (v > BACKGROUND) {
              minX = Math.min(minX, px);
              minY = Math.min(minY, py);
              maxX = Math.max(maxX, px);
              maxY = Math.max(maxY, py);
            }
            for (int dy = 0; dy < scale; dy++) {
              for (int dx = 0; dx < scale; dx++) {
                int cy = placed[1] + py * scale + dy;
                int cx = placed[0] + px * scale + dx;
                pixels[cy][cx] = Math.max(pixels[cy][cx], v);
              }
            }
          }
        }
        squares.add(placed);
        sources.add(row);
        float f = canvas;
        boxes.add(new Box(cls, (placed[0] + minX * scale) / f, (placed[1] + minY * scale) / f,
            (placed[0] + (maxX + 1) * scale) / f, (placed[1] + (maxY + 1) * scale) / f, false));
      }
      if (boxes.size() < 2) {
        continue; // could not place two digits: draw the scene again
      }
      String stem = String.format(Locale.ROOT, "scene-%05d", index);
      String imagePath = "scenes/" + stem + ".png";
      boolean withVoc = index % 5 == 0;
      return new Scene(index, imagePath, png(pixels), stem + ".json", json(imagePath, canvas, boxes, names),
          withVoc ? stem + ".xml" : null, withVoc ? voc(imagePath, canvas, boxes, names) : null,
          List.copyOf(boxes), List.copyOf(sources));
    }
  }

  /** A digits.csv.gz row (label first, then 64 values 0..16) as 64 gray levels 0..255. */
  private static int[] digit(String line) {
    String[] f = line.split(",");
    int[] v = new int[64];
    for (int i = 0; i < 64; i++) {
      v[i] = Math.round(Float.parseFloat(f[i + 1]) * 255 / 16);
    }
    return v;
  }

  private static byte[] png(int[][] pixels) {
    int n = pixels.length;
    BufferedImage img = new BufferedImage(n, n, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < n; y++) {
      for (int x = 0; x < n; x++) {
        int v = pixels[y][x];
        img.setRGB(x, y, (v << 16) | (v << 8) | v);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Pixel coordinates of a box (all scene boxes lie on whole pixels). */
  private static int[] pixelsOf(Box b, int canvas) {
    return new int[] {Math.round(b.xmin() * canvas), Math.round(b.ymin() * canvas), Math.round(b.xmax() * canvas),
        Math.round(b.ymax() * canvas)};
  }

  private static byte[] json(String imagePath, int canvas, List<Box> boxes, List<String> names) {
    StringBuilder b = new StringBuilder("{\n  \"file\": \"" + imagePath + "\",\n  \"image_size\": [{\"width\": "
        + canvas + ", \"height\": " + canvas + ", \"depth\": 3}],\n  \"annotations\": [");
    for (int i = 0; i < boxes.size(); i++) {
      int[] p = pixelsOf(boxes.get(i), canvas);
      b.append(i == 0 ? "\n" : ",\n").append("    {\"class_id\": ").append(boxes.get(i).classId())
          .append(", \"left\": ").append(p[0]).append(", \"top\": ").append(p[1]).append(", \"width\": ")
          .append(p[2] - p[0]).append(", \"height\": ").append(p[3] - p[1]).append('}');
    }
    b.append("\n  ],\n  \"categories\": [");
    for (int c = 0; c < names.size(); c++) {
      b.append(c == 0 ? "" : ", ").append("{\"class_id\": ").append(c).append(", \"name\": \"").append(names.get(c))
          .append("\"}");
    }
    return b.append("]\n}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] voc(String imagePath, int canvas, List<Box> boxes, List<String> names) {
    StringBuilder b = new StringBuilder("<annotation>\n  <folder>scenes</folder>\n  <filename>" + imagePath
        + "</filename>\n  <size><width>" + canvas + "</width><height>" + canvas
        + "</height><depth>3</depth></size>\n");
    for (Box x : boxes) {
      int[] p = pixelsOf(x, canvas);
      b.append("  <object>\n    <name>").append(names.get(x.classId())).append("</name>\n    <difficult>0</difficult>\n")
          .append("    <bndbox><xmin>").append(p[0]).append("</xmin><ymin>").append(p[1]).append("</ymin><xmax>")
          .append(p[2]).append("</xmax><ymax>").append(p[3]).append("</ymax></bndbox>\n  </object>\n");
    }
    return b.append("</annotation>\n").toString().getBytes(StandardCharsets.UTF_8);
  }
}
