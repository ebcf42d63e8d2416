package io.kiln.algorithms.vision.images;

import java.util.Random;

/**
 * Turns a {@link DecodedImage} into the network's input at the job's {@code image_shape}: float32,
 * CHW (channel-major: the value for channel {@code c}, row {@code y}, column {@code x} is at
 * {@code offset + (c * height + y) * width + x}), each value the 8-bit sample divided by 255, so in
 * [0, 1] (no mean subtraction: the network normalises).
 *
 * <p>{@link #center} (validation, prediction, and training with no augmentation) takes the central
 * height × width window ({@code x0 = (W - width) / 2}, {@code y0 = (H - height) / 2}, rounded down).
 * {@link #sample} follows SageMaker's {@code augmentation_type}, whose transforms are those of
 * MXNet's ImageRecordIter (the parameters SageMaker's documentation gives):
 * <ul>
 *   <li>{@code crop}: a window at a uniformly random position, mirrored left-right with probability 1/2.</li>
 *   <li>{@code crop_color}: then one hue, saturation and lightness offset per image, uniform in
 *       [-36, 36], [-50, 50], [-50, 50] (MXNet's {@code random_h}, {@code random_s}, {@code random_l},
 *       in OpenCV's 8-bit HLS units: hue 0..180 for 0..360 degrees, saturation and lightness 0..255),
 *       added in HLS and clamped to those ranges (hue is clamped, not wrapped, as MXNet does), in
 *       floating point. A 1-channel image only gets the lightness offset (a gray pixel's HLS
 *       lightness is its value).</li>
 *   <li>{@code crop_color_transform}: before cropping, a random affine transform about the image's
 *       centre, output the size of the image: rotation uniform in [-10, 10] degrees
 *       ({@code max_rotate_angle}), shear factor in [-0.1, 0.1] ({@code max_shear_ratio}), aspect
 *       ratio {@code r} in [0.75, 1.25] ({@code max_aspect_ratio} 0.25, width scaled by
 *       {@code 2r/(1+r)} and height by {@code 2/(1+r)}), scale 1 (MXNet's default
 *       {@code min/max_random_scale}; SageMaker's documentation lists no scale change); bilinear
 *       sampling, pixels from outside the image filled with 255 (MXNet's {@code fill_value}).</li>
 * </ul>
 * Random draws come only from the given {@link Random}, in a fixed order, so a seed gives the same
 * output. Not thread-safe only in that a {@link Random} must not be shared; the Augmenter itself
 * holds only the shape.
 */
public final class Augmenter {
  /** MXNet's random_h: the largest hue offset, in OpenCV 8-bit HLS units (half degrees). */
  public static final float RANDOM_H = 36f;
  /** MXNet's random_s: the largest saturation offset, on 0..255. */
  public static final float RANDOM_S = 50f;
  /** MXNet's random_l: the largest lightness offset, on 0..255. */
  public static final float RANDOM_L = 50f;
  /** MXNet's max_rotate_angle as SageMaker sets it, degrees. */
  public static final float MAX_ROTATE_DEGREES = 10f;
  /** MXNet's max_shear_ratio as SageMaker sets it. */
  public static final float MAX_SHEAR = 0.1f;
  /** MXNet's max_aspect_ratio as SageMaker sets it. */
  public static final float MAX_ASPECT = 0.25f;
  /** MXNet's fill_value: the 8-bit value of pixels an affine transform brings in from outside. */
  public static final int FILL = 255;

  private static final float[] UNIT = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      UNIT[i] = i / 255f;
    }
  }

  private final int channels;
  private final int height;
  private final int width;

  /**
   * @param channels image_shape's channels: 1 or 3
   * @param height image_shape's height in pixels
   * @param width image_shape's width in pixels
   */
  public Augmenter(int channels, int height, int width) {
    if ((channels != 1 && channels != 3) || height < 1 || width < 1) {
      throw new IllegalArgumentException("bad image_shape " + channels + "," + height + "," + width);
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
  }

  /** Floats per image: channels × height × width. */
  public int size() {
    return channels * height * width;
  }

  /** The center crop as a new array of {@link #size()} floats (CHW, [0, 1]). */
  public float[] center(DecodedImage image) {
    float[] out = new float[size()];
    center(image, out, 0);
    return out;
  }

  /**
   * Writes the center crop at {@code out[offset .. offset + size())}.
   *
   * @throws IllegalArgumentException when the image's channels differ or it is smaller than the shape
   */
  public void center(DecodedImage image, float[] out, int offset) {
    check(image);
    crop(image, (image.width() - width) / 2, (image.height() - height) / 2, false, out, offset);
  }

  /** {@link #sample(DecodedImage, AugmentationType, Random, float[], int)} into a new array. */
  public float[] sample(DecodedImage image, AugmentationType type, Random random) {
    float[] out = new float[size()];
    sample(image, type, random, out, 0);
    return out;
  }

  /**
   * Writes one training sample at {@code out[offset .. offset + size())} (see the class description).
   *
   * @throws IllegalArgumentException when the image's channels differ or it is smaller than the shape
   */
  public void sample(DecodedImage image, AugmentationType type, Random random, float[] out, int offset) {
    check(image);
    if (type == AugmentationType.NONE) {
      center(image, out, offset);
      return;
    }
    if (type == AugmentationType.CROP_COLOR_TRANSFORM) {
      float angle = (float) Math.toRadians(uniform(random, MAX_ROTATE_DEGREES));
      float shear = uniform(random, MAX_SHEAR);
      float ratio = 1 + uniform(random, MAX_ASPECT);
      int x0 = random.nextInt(image.width() - width + 1);
      int y0 = random.nextInt(image.height() - height + 1);
      boolean mirror = random.nextBoolean();
      affineCrop(image, angle, shear, ratio, x0, y0, mirror, out, offset);
    } else {
      int x0 = random.nextInt(image.width() - width + 1);
      int y0 = random.nextInt(image.height() - height + 1);
      boolean mirror = random.nextBoolean();
      crop(image, x0, y0, mirror, out, offset);
    }
    if (type == AugmentationType.CROP_COLOR || type == AugmentationType.CROP_COLOR_TRANSFORM) {
      float h = uniform(random, RANDOM_H);
      float s = uniform(random, RANDOM_S);
      float l = uniform(random, RANDOM_L);
      jitter(out, offset, h, s, l);
    }
  }

  private void check(DecodedImage image) {
    if (image.channels() != channels || image.height() < height || image.width() < width) {
      throw new IllegalArgumentException("image " + image.channels() + "x" + image.height() + "x" + image.width()
          + " does not fit image_shape " + channels + "," + height + "," + width + " (ImageDecoder checks this)");
    }
  }

  private static float uniform(Random random, float limit) {
    return (random.nextFloat() * 2 - 1) * limit;
  }

  private void crop(DecodedImage image, int x0, int y0, boolean mirror, float[] out, int offset) {
    byte[] px = image.pixels();
    int c = channels;
    int stride = image.width() * c;
    int plane = height * width;
    for (int k = 0; k < c; k++) {
      int o = offset + k * plane;
      for (int y = 0; y < height; y++) {
        int p = (y0 + y) * stride + x0 * c + k;
        if (mirror) {
          int q = p + (width - 1) * c;
          for (int x = 0; x < width; x++, q -= c) {
            out[o++] = UNIT[px[q] & 0xff];
          }
        } else {
          for (int x = 0; x < width; x++, p += c) {
            out[o++] = UNIT[px[p] & 0xff];
          }
        }
      }
    }
  }

  /**
   * Crop of the affinely transformed image, computed directly: each output pixel maps back through
   * the inverse transform to a bilinear sample of the source.
   */
  private void affineCrop(DecodedImage image, float angle, float shear, float ratio, int x0, int y0,
      boolean mirror, float[] out, int offset) {
    // forward A = rotation(angle) * [[1, shear], [0, 1]] * diag(ws, hs), about the centre
    float hs = 2f / (1 + ratio);
    float ws = ratio * hs;
    double cos = Math.cos(angle);
    double sin = Math.sin(angle);
    double a00 = cos * ws;
    double a01 = (cos * shear - sin) * hs;
    double a10 = sin * ws;
    double a11 = (sin * shear + cos) * hs;
    double det = a00 * a11 - a01 * a10;
    double i00 = a11 / det;
    double i01 = -a01 / det;
    double i10 = -a10 / det;
    double i11 = a00 / det;
    int srcW = image.width();
    int srcH = image.height();
    double cx = (srcW - 1) / 2.0;
    double cy = (srcH - 1) / 2.0;
    byte[] px = image.pixels();
    int c = channels;
    int plane = height * width;
    float fill = UNIT[FILL];
    for (int y = 0; y < height; y++) {
      double ty = y0 + y - cy;
      for (int x = 0; x < width; x++) {
        double tx = x0 + (mirror ? width - 1 - x : x) - cx;
        double sx = i00 * tx + i01 * ty + cx;
        double sy = i10 * tx + i11 * ty + cy;
        int o = offset + y * width + x;
        int xl = (int) Math.floor(sx);
        int yl = (int) Math.floor(sy);
        float fx = (float) (sx - xl);
        float fy = (float) (sy - yl);
        if (xl >= 0 && yl >= 0 && xl + 1 < srcW && yl + 1 < srcH) {
          int p00 = (yl * srcW + xl) * c;
          int p10 = p00 + srcW * c;
          for (int k = 0; k < c; k++) {
            float top = UNIT[px[p00 + k] & 0xff] + (UNIT[px[p00 + c + k] & 0xff] - UNIT[px[p00 + k] & 0xff]) * fx;
            float bottom = UNIT[px[p10 + k] & 0xff] + (UNIT[px[p10 + c + k] & 0xff] - UNIT[px[p10 + k] & 0xff]) * fx;
            out[o + k * plane] = top + (bottom - top) * fy;
          }
        } else {
          for (int k = 0; k < c; k++) {
            float v00 = sampleOrFill(px, srcW, srcH, c, xl, yl, k, fill);
            float v01 = sampleOrFill(px, srcW, srcH, c, xl + 1, yl, k, fill);
            float v10 = sampleOrFill(px, srcW, srcH, c, xl, yl + 1, k, fill);
            float v11 = sampleOrFill(px, srcW, srcH, c, xl + 1, yl + 1, k, fill);
            float top = v00 + (v01 - v00) * fx;
            float bottom = v10 + (v11 - v10) * fx;
            out[o + k * plane] = top + (bottom - top) * fy;
          }
        }
      }
    }
  }

  private static float sampleOrFill(byte[] px, int w, int h, int c, int x, int y, int k, float fill) {
    if (x < 0 || y < 0 || x >= w || y >= h) {
      return fill;
    }
    return UNIT[px[(y * w + x) * c + k] & 0xff];
  }

  /** Adds HLS offsets (8-bit OpenCV units) to every pixel of the CHW sample, clamping as MXNet. */
  void jitter(float[] out, int offset, float dh, float ds, float dl) {
    int plane = height * width;
    float l255 = dl / 255f;
    if (channels == 1) {
      for (int i = offset; i < offset + plane; i++) {
        out[i] = clamp01(out[i] + l255);
      }
      return;
    }
    float dDegrees = dh * 2;
    float s255 = ds / 255f;
    for (int i = 0; i < plane; i++) {
      int ri = offset + i;
      int gi = ri + plane;
      int bi = gi + plane;
      float r = out[ri];
      float g = out[gi];
      float b = out[bi];
      float max = Math.max(r, Math.max(g, b));
      float min = Math.min(r, Math.min(g, b));
      float d = max - min;
      float l = (max + min) * 0.5f;
      float s = 0;
      float h = 0;
      if (d > 0) {
        // HLS saturation d / (1 - |2L - 1|), hue in degrees from the largest component
        s = d / (1 - Math.abs(max + min - 1));
        h = max == r ? 60 * (g - b) / d : (max == g ? 120 + 60 * (b - r) / d : 240 + 60 * (r - g) / d);
        h = h < 0 ? h + 360 : h;
      }
      h = Math.min(Math.max(h + dDegrees, 0), 360);
      s = clamp01(s + s255);
      l = clamp01(l + l255);
      // back to RGB without branches on the hue sector: f(n) = L - a * max(-1, min(k - 3, 9 - k, 1)),
      // k = (n + H / 30) mod 12, a = S * min(L, 1 - L), for n = 0 (red), 8 (green), 4 (blue)
      float a = s * Math.min(l, 1 - l);
      float sector = h * (1f / 30);
      out[ri] = l - a * hueWeight(sector);
      out[gi] = l - a * hueWeight(sector + 8);
      out[bi] = l - a * hueWeight(sector + 4);
    }
  }

  private static float hueWeight(float k) {
    k = k >= 12 ? k - 12 : k;
    return Math.max(-1f, Math.min(Math.min(k - 3, 9 - k), 1f));
  }

  private static float clamp01(float v) {
    return Math.min(Math.max(v, 0f), 1f);
  }
}
