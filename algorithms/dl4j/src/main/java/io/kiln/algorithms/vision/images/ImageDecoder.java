package io.kiln.algorithms.vision.images;

import io.kiln.spi.KilnException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes JPEG and PNG bytes (javax.imageio) into a {@link DecodedImage} with the job's channel
 * count, optionally resized, and checks it is large enough for the job's {@code image_shape}.
 *
 * <p>What is accepted:
 * <ul>
 *   <li>Gray (PNG 1, 2, 4, 8 or 16 bits; gray JPEG): into a 1-channel job as is; into a 3-channel
 *       job replicated to R = G = B (as MXNet's {@code imdecode} with flag 1).</li>
 *   <li>Colour (RGB PNG 8 or 16 bits, colour JPEG, palette PNG): into a 3-channel job as R, G, B.
 *       Into a 1-channel job only when every pixel is gray (R = G = B, e.g. a gray palette or a gray
 *       image saved as RGB PNG); otherwise a USER error: Kiln does not silently drop colour.</li>
 *   <li>16-bit samples are reduced to 8 bits by their high byte ({@code v >> 8}, as OpenCV does
 *       without {@code IMREAD_ANYDEPTH}); 1/2/4-bit gray is scaled to 0..255.</li>
 *   <li>An alpha channel (gray+alpha, RGBA, a palette with transparency) is accepted and dropped
 *       only when every pixel is opaque; a transparent pixel is a USER error, since the colour under
 *       it is undefined (flatten the images onto a background first).</li>
 * </ul>
 * Refused with a USER error naming the image: anything but JPEG or PNG (GIF, BMP, TIFF...); CMYK
 * JPEG; an undecodable, corrupt or truncated file. Truncation is caught both when the decoder
 * fails and when it only warns (ImageIO's JPEG decoder returns a partly gray image with warnings
 * such as "Truncated File - Missing EOI marker" or "Corrupt JPEG data: premature end of data
 * segment"): any decoder warning fails the image.
 *
 * <p>Size: without {@code resize} an image smaller than {@code image_shape}'s height or width is a
 * USER error suggesting {@code resize}; with it the shorter side is first resized to {@code resize}
 * pixels (aspect kept, bilinear: {@link DecodedImage#resizeShorterSide}), and the result must still
 * cover {@code image_shape}.
 *
 * <p>The checks are the same for training and for prediction; only the fixes the messages name
 * differ. A training decoder ({@link #ImageDecoder}) names the job's hyperparameters
 * ({@code resize}, {@code image_shape}) and the {@code .lst} files; a prediction decoder
 * ({@link #forPrediction}) names what can be done to the input image (scale it, crop it, convert
 * it, remove it from the input), since a trained model's {@code image_shape} and {@code resize}
 * are fixed, with retraining as the alternative.
 *
 * <p>Thread-safe: holds only the job's settings.
 */
public final class ImageDecoder {
  /** Images above this many pixels are refused before decoding (about 400 MB as RGB bytes). */
  public static final long MAX_PIXELS = 128L * 1024 * 1024;

  private final int channels;
  private final int height;
  private final int width;
  private final int resize;
  private final boolean prediction;

  /**
   * A decoder for training: its messages name the job's hyperparameters and lists.
   *
   * @param channels the job's channels (image_shape's first number): 1 or 3
   * @param height the job's input height in pixels (image_shape's second number)
   * @param width the job's input width in pixels (image_shape's third number)
   * @param resize the hyperparameter {@code resize} (shorter side after resizing, pixels), or 0 for none
   */
  public ImageDecoder(int channels, int height, int width, int resize) {
    this(channels, height, width, resize, false);
  }

  /**
   * A decoder for prediction with a trained model ({@code kiln predict}): the same decoding and
   * checks as training's, with messages whose fixes apply to the input image and name the model's
   * {@code image_shape} and {@code resize} (retraining being the alternative).
   *
   * @param channels the model's channels (its image_shape's first number): 1 or 3
   * @param height the model's input height in pixels
   * @param width the model's input width in pixels
   * @param resize the model's {@code resize} (shorter side after resizing, pixels), or 0 for none
   */
  public static ImageDecoder forPrediction(int channels, int height, int width, int resize) {
    return new ImageDecoder(channels, height, width, resize, true);
  }

  private ImageDecoder(int channels, int height, int width, int resize, boolean prediction) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (height < 1 || width < 1 || resize < 0) {
      throw new IllegalArgumentException("bad image_shape " + height + "x" + width + " or resize " + resize);
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.resize = resize;
    this.prediction = prediction;
  }

  /**
   * Decodes one image.
   *
   * @param encoded the JPEG or PNG file's bytes
   * @param name the image's display name for messages (an S3 URI, or {@code rec-object @ byte N})
   * @return the image with {@code channels} channels, at least height × width (after resizing)
   * @throws KilnException USER when the image is refused (see the class description)
   */
  public DecodedImage decode(byte[] encoded, String name) {
    DecodedImage image = decodeOnly(encoded, name);
    if (resize > 0) {
      image = image.resizeShorterSide(resize);
    }
    if (image.height() < height || image.width() < width) {
      String shape = channels + "," + height + "," + width;
      if (prediction) {
        throw tooSmallToPredict(image, name, shape);
      }
      if (resize > 0) {
        throw KilnException.user("image " + name + " is " + image.width() + "x" + image.height()
            + " pixels (width x height) after resize=" + resize + ", smaller than image_shape=" + shape
            + "; set resize to at least " + Math.max(height, width) + " or use a smaller image_shape");
      }
      throw KilnException.user("image " + name + " is " + image.width() + "x" + image.height()
          + " pixels (width x height), smaller than image_shape=" + shape + " (" + width + "x" + height
          + "); set the hyperparameter resize (the shorter side after resizing, e.g. resize="
          + Math.max(height, width) + ") or use a smaller image_shape");
    }
    return image;
  }

  /**
   * The message for an image the model cannot take at its size: the model's image_shape and resize
   * are fixed, so the fix is to the image (or a retrained model).
   */
  private KilnException tooSmallToPredict(DecodedImage image, String name, String shape) {
    String size = width + "x" + height;
    if (resize > 0) {
      // a trained model's resize covers image_shape for an image of image_shape's aspect (training
      // took at least one image, so resize >= the shorter of height and width)
      return KilnException.user("image " + name + " is " + image.width() + "x" + image.height()
          + " pixels (width x height) once its shorter side is scaled to the model's resize=" + resize
          + ", smaller than the model's image_shape=" + shape + " (" + size + "); crop the image to the "
          + "shape's aspect (width:height " + width + ":" + height + ") before predicting, or retrain the model "
          + "with resize at least " + Math.max(height, width));
    }
    return KilnException.user("image " + name + " is " + image.width() + "x" + image.height()
        + " pixels (width x height), smaller than the model's image_shape=" + shape + " (" + size
        + "), and the model was trained without resize, so it takes images at their own size; scale the "
        + "image to at least " + size + " pixels before predicting, or retrain the model with the "
        + "hyperparameter resize (e.g. resize=" + Math.max(height, width) + ")");
  }

  /** The fix for a file that cannot be read: the training list it is in, or prediction's input. */
  private String removeIt() {
    return prediction ? "remove it from the input" : "remove it from the list";
  }

  /**
   * Decodes without resizing or size checks: the image at its own size with the job's channels.
   *
   * @throws KilnException USER when the image is refused (see the class description)
   */
  public DecodedImage decodeOnly(byte[] encoded, String name) {
    BufferedImage image = read(encoded, name);
    return pixels(image, name);
  }

  private BufferedImage read(byte[] encoded, String name) {
    ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
    ImageReader reader = null;
    for (Iterator<ImageReader> it = ImageIO.getImageReaders(input); it.hasNext(); ) {
      ImageReader candidate = it.next();
      String format;
      try {
        format = candidate.getFormatName().toLowerCase(Locale.ROOT);
      } catch (IOException e) {
        continue;
      }
      if (format.equals("jpeg") || format.equals("png")) {
        reader = candidate;
        break;
      }
      candidate.dispose();
    }
    if (reader == null) {
      throw KilnException.user("image " + name + " is not a JPEG or PNG file (" + describeStart(encoded)
          + "); Image Classification reads JPEG and PNG: convert the image or " + removeIt());
    }
    List<String> warnings = new ArrayList<>();
    reader.addIIOReadWarningListener(new IIOReadWarningListener() {
      @Override
      public void warningOccurred(ImageReader source, String warning) {
        warnings.add(warning);
      }
    });
    try {
      reader.setInput(input, true, true);
      long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
      if (pixels > MAX_PIXELS) {
        throw KilnException.user("image " + name + " is " + reader.getWidth(0) + "x" + reader.getHeight(0)
            + " pixels, more than " + MAX_PIXELS + "; shrink it before " + (prediction ? "predicting" : "training"));
      }
      BufferedImage image = reader.read(0);
      if (formatName(reader).equals("PNG") && !endsWithIend(encoded)) {
        // the decoder stops once it has the pixels: a file cut after its image data reads without a warning
        warnings.add("the file does not end with the IEND chunk");
      }
      if (!warnings.isEmpty()) {
        throw KilnException.user("image " + name + " is corrupt or truncated (the " + reader.getFormatName()
            + " decoder says: " + String.join("; ", warnings) + "); re-encode or re-upload it, or " + removeIt());
      }
      return image;
    } catch (IOException | RuntimeException e) {
      if (e instanceof KilnException k) {
        throw k;
      }
      if (String.valueOf(e.getMessage()).contains("Unsupported Image Type")) {
        throw KilnException.user("image " + name + " is a " + formatName(reader) + " in a colour space javax.imageio"
            + " does not decode (e.g. CMYK or YCCK); convert it to RGB or grayscale", e);
      }
      throw KilnException.user("image " + name + " cannot be decoded as " + formatName(reader)
          + ": it is corrupt or truncated (" + describe(e) + "); re-encode or re-upload it, or " + removeIt(), e);
    } finally {
      reader.dispose();
    }
  }

  /** The PNG trailer: the IEND chunk (length 0, type, CRC), the last 12 bytes of every complete file (PNG spec 11.2.5). */
  private static final byte[] IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

  private static boolean endsWithIend(byte[] encoded) {
    if (encoded.length < IEND.length) {
      return false;
    }
    return java.util.Arrays.equals(encoded, encoded.length - IEND.length, encoded.length, IEND, 0, IEND.length);
  }

  private DecodedImage pixels(BufferedImage image, String name) {
    int w = image.getWidth();
    int h = image.getHeight();
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    byte[] rgb;
    boolean gray;
    if (model instanceof IndexColorModel palette) {
      Palette p = new Palette(palette);
      gray = p.gray;
      rgb = gray ? new byte[w * h] : new byte[w * h * 3];
      int[] row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        int o = y * w * (gray ? 1 : 3);
        for (int x = 0; x < w; x++) {
          int i = row[x];
          if (p.alpha[i] != (byte) 0xff) {
            throw transparent(name, x, y);
          }
          if (gray) {
            rgb[o++] = p.red[i];
          } else {
            rgb[o++] = p.red[i];
            rgb[o++] = p.green[i];
            rgb[o++] = p.blue[i];
          }
        }
      }
    } else if (model instanceof ComponentColorModel) {
      int colours = model.getNumColorComponents();
      if (colours != 1 && colours != 3) {
        throw KilnException.user("image " + name + " has " + colours + " colour components (e.g. CMYK);"
            + " Image Classification reads gray and RGB images: convert it to RGB");
      }
      gray = colours == 1;
      rgb = components(image, model, raster, colours, name);
    } else {
      // packed (DirectColorModel) and anything else: ImageIO's sRGB conversion
      gray = false;
      int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
      rgb = new byte[w * h * 3];
      for (int i = 0, o = 0; i < argb.length; i++) {
        int v = argb[i];
        if (model.hasAlpha() && (v >>> 24) != 0xff) {
          throw transparent(name, i % w, i / w);
        }
        rgb[o++] = (byte) (v >> 16);
        rgb[o++] = (byte) (v >> 8);
        rgb[o++] = (byte) v;
      }
    }
    if (gray) {
      return new DecodedImage(channels == 1 ? rgb : replicate(rgb), h, w, channels);
    }
    if (channels == 3) {
      return new DecodedImage(rgb, h, w, 3);
    }
    byte[] single = new byte[w * h];
    for (int i = 0; i < single.length; i++) {
      byte r = rgb[3 * i];
      if ((r != rgb[3 * i + 1] || r != rgb[3 * i + 2]) && prediction) {
        throw KilnException.user("image " + name + " is a colour image (pixel x=" + (i % w) + ", y=" + (i / w)
            + " is not gray) but the model takes 1 channel (its image_shape=1," + height + "," + width + "); convert"
            + " the image to grayscale before predicting, or retrain the model with image_shape=3," + height + ","
            + width);
      }
      if (r != rgb[3 * i + 1] || r != rgb[3 * i + 2]) {
        throw KilnException.user("image " + name + " is a colour image (pixel x=" + (i % w) + ", y=" + (i / w)
            + " is not gray) but the job's image_shape has 1 channel; convert the images to grayscale or set"
            + " image_shape to 3," + height + "," + width);
      }
      single[i] = r;
    }
    return new DecodedImage(single, h, w, 1);
  }

  /** Gray or RGB samples (alpha checked and dropped), 8 bits, interleaved. */
  private static byte[] components(BufferedImage image, ColorModel model, Raster raster, int colours, String name) {
    int w = image.getWidth();
    int h = image.getHeight();
    int bands = raster.getNumBands();
    boolean alpha = model.hasAlpha();
    byte[] out = new byte[w * h * colours];
    if (raster.getDataBuffer() instanceof DataBufferByte buffer
        && raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
        && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0
        && model.getComponentSize(0) == 8 && buffer.getNumBanks() == 1) {
      // the common case (8-bit JPEG and PNG): read the interleaved bytes directly
      byte[] data = buffer.getData();
      int[] offsets = sm.getBandOffsets();
      int stride = sm.getPixelStride();
      int scan = sm.getScanlineStride();
      int base = buffer.getOffset();
      int o = 0;
      for (int y = 0; y < h; y++) {
        int p = base + y * scan;
        for (int x = 0; x < w; x++, p += stride) {
          if (alpha && data[p + offsets[colours]] != (byte) 0xff) {
            throw transparent(name, x, y);
          }
          for (int c = 0; c < colours; c++) {
            out[o++] = data[p + offsets[c]];
          }
        }
      }
      return out;
    }
    int[] bits = new int[bands];
    for (int b = 0; b < bands; b++) {
      bits[b] = model.getComponentSize(b);
    }
    int[] row = new int[w * bands];
    int o = 0;
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int p = x * bands;
        if (alpha && row[p + colours] != (1 << bits[colours]) - 1) {
          throw transparent(name, x, y);
        }
        for (int c = 0; c < colours; c++) {
          out[o++] = (byte) to8(row[p + c], bits[c]);
        }
      }
    }
    return out;
  }

  private static int to8(int value, int bits) {
    if (bits == 8) {
      return value;
    }
    if (bits > 8) {
      return value >>> (bits - 8);
    }
    return value * 255 / ((1 << bits) - 1);
  }

  private static byte[] replicate(byte[] gray) {
    byte[] out = new byte[gray.length * 3];
    for (int i = 0, o = 0; i < gray.length; i++) {
      byte v = gray[i];
      out[o++] = v;
      out[o++] = v;
      out[o++] = v;
    }
    return out;
  }

  private static KilnException transparent(String name, int x, int y) {
    return KilnException.user("image " + name + " has transparent pixels (alpha below 100% at x=" + x + ", y=" + y
        + "); Image Classification reads opaque images: flatten it onto a background (or drop its alpha channel)");
  }

  private static final class Palette {
    final byte[] red;
    final byte[] green;
    final byte[] blue;
    final byte[] alpha;
    final boolean gray;

    Palette(IndexColorModel model) {
      int size = 1 << Math.max(model.getPixelSize(), 1);
      size = Math.max(size, model.getMapSize());
      red = new byte[size];
      green = new byte[size];
      blue = new byte[size];
      alpha = new byte[size];
      int n = model.getMapSize();
      model.getReds(red);
      model.getGreens(green);
      model.getBlues(blue);
      model.getAlphas(alpha);
      // indices past the palette never occur in a valid PNG (ImageIO rejects them); opaque black if they do
      for (int i = n; i < size; i++) {
        alpha[i] = (byte) 0xff;
      }
      boolean allGray = true;
      for (int i = 0; i < n && allGray; i++) {
        allGray = red[i] == green[i] && red[i] == blue[i];
      }
      gray = allGray;
    }
  }

  private static String formatName(ImageReader reader) {
    try {
      return reader.getFormatName().toUpperCase(Locale.ROOT);
    } catch (IOException e) {
      return "an image";
    }
  }

  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null && text.length() < 200; t = t.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
      if (t.getCause() == t) {
        break;
      }
    }
    return text.toString().replace('\n', ' ');
  }

  private static String describeStart(byte[] bytes) {
    if (bytes.length == 0) {
      return "it is empty";
    }
    StringBuilder hex = new StringBuilder("it starts with bytes");
    for (int i = 0; i < Math.min(8, bytes.length); i++) {
      hex.append(String.format(" %02x", bytes[i] & 0xff));
    }
    return hex.toString();
  }
}
