package io.kiln.algorithms.vision.images;

/**
 * A decoded 8-bit image, held compactly: {@code pixels} is height × width × channels bytes,
 * interleaved row-major (HWC: the byte for row {@code y}, column {@code x}, channel {@code c} is at
 * {@code (y * width + x) * channels + c}), unsigned values 0..255, channels in R, G, B order (or
 * one gray channel).
 *
 * @param pixels the HWC bytes; not copied (callers must not change it after construction)
 * @param height rows, at least 1
 * @param width columns, at least 1
 * @param channels 1 (gray) or 3 (RGB)
 */
public record DecodedImage(byte[] pixels, int height, int width, int channels) {
  /** @throws IllegalArgumentException when the sizes do not match {@code pixels} */
  public DecodedImage {
    if (height < 1 || width < 1 || (channels != 1 && channels != 3)) {
      throw new IllegalArgumentException("bad image shape " + channels + "x" + height + "x" + width);
    }
    if ((long) height * width * channels != pixels.length) {
      throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " needs "
          + (long) height * width * channels + " bytes, got " + pixels.length);
    }
  }

  /** The unsigned value (0..255) at row {@code y}, column {@code x}, channel {@code c}. */
  public int at(int y, int x, int c) {
    return pixels[(y * width + x) * channels + c] & 0xff;
  }

  /**
   * This image resized with bilinear interpolation so that its shorter side is {@code shorter}
   * pixels, the aspect ratio kept (the longer side is {@code shorter * longer / shorter_side},
   * rounded down, as MXNet's {@code resize} of ImageRecordIter computes it). Pixel centres are
   * aligned ({@code src = (dst + 0.5) * scale - 0.5}, edges clamped), as OpenCV's {@code INTER_LINEAR}.
   * Returns {@code this} when the size already matches.
   *
   * @param shorter the new length of the shorter side in pixels, at least 1
   */
  public DecodedImage resizeShorterSide(int shorter) {
    if (shorter < 1) {
      throw new IllegalArgumentException("resize must be at least 1, got " + shorter);
    }
    int newHeight;
    int newWidth;
    if (height > width) {
      newWidth = shorter;
      newHeight = (int) Math.max(1, (long) shorter * height / width);
    } else {
      newHeight = shorter;
      newWidth = (int) Math.max(1, (long) shorter * width / height);
    }
    return resize(newHeight, newWidth);
  }

  /** This image resized to exactly {@code newHeight × newWidth} with bilinear interpolation (see above). */
  public DecodedImage resize(int newHeight, int newWidth) {
    if (newHeight == height && newWidth == width) {
      return this;
    }
    int c = channels;
    byte[] out = new byte[newHeight * newWidth * c];
    double scaleY = (double) height / newHeight;
    double scaleX = (double) width / newWidth;
    int[] x0 = new int[newWidth];
    int[] x1 = new int[newWidth];
    float[] fx = new float[newWidth];
    for (int x = 0; x < newWidth; x++) {
      double sx = Math.min(Math.max((x + 0.5) * scaleX - 0.5, 0), width - 1);
      int lo = (int) sx;
      x0[x] = lo * c;
      x1[x] = Math.min(lo + 1, width - 1) * c;
      fx[x] = (float) (sx - lo);
    }
    for (int y = 0; y < newHeight; y++) {
      double sy = Math.min(Math.max((y + 0.5) * scaleY - 0.5, 0), height - 1);
      int lo = (int) sy;
      float fy = (float) (sy - lo);
      int row0 = lo * width * c;
      int row1 = Math.min(lo + 1, height - 1) * width * c;
      int o = y * newWidth * c;
      for (int x = 0; x < newWidth; x++) {
        float wx = fx[x];
        for (int k = 0; k < c; k++) {
          float top = (pixels[row0 + x0[x] + k] & 0xff) * (1 - wx) + (pixels[row0 + x1[x] + k] & 0xff) * wx;
          float bottom = (pixels[row1 + x0[x] + k] & 0xff) * (1 - wx) + (pixels[row1 + x1[x] + k] & 0xff) * wx;
          out[o++] = (byte) Math.round(top + (bottom - top) * fy);
        }
      }
    }
    return new DecodedImage(out, newHeight, newWidth, c);
  }
}
