package io.kiln.algorithms.vision.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final String NAME = "s3://bucket/train/cat/a.png";

  private static void assertUserError(ImageDecoder decoder, byte[] bytes, String... fragments) {
    assertThatThrownBy(() -> decoder.decode(bytes, NAME)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).contains(NAME).doesNotContain("\n");
      for (String fragment : fragments) {
        assertThat(e.getMessage()).contains(fragment);
      }
    });
  }

  @Test
  void grayPngRoundTripsIntoOneChannel() {
    BufferedImage source = TestImages.gray(9, 7, 3);
    DecodedImage image = new ImageDecoder(1, 7, 9, 0).decode(TestImages.png(source), NAME);
    assertThat(image.channels()).isEqualTo(1);
    assertThat(image.height()).isEqualTo(7);
    assertThat(image.width()).isEqualTo(9);
    for (int y = 0; y < 7; y++) {
      for (int x = 0; x < 9; x++) {
        assertThat(image.at(y, x, 0)).isEqualTo(source.getRaster().getSample(x, y, 0));
      }
    }
  }

  @Test
  void grayIsReplicatedIntoThreeChannels() {
    BufferedImage source = TestImages.gray(6, 5, 4);
    DecodedImage image = new ImageDecoder(3, 5, 6, 0).decode(TestImages.png(source), NAME);
    assertThat(image.channels()).isEqualTo(3);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6; x++) {
        int v = source.getRaster().getSample(x, y, 0);
        assertThat(new int[] {image.at(y, x, 0), image.at(y, x, 1), image.at(y, x, 2)}).containsExactly(v, v, v);
      }
    }
  }

  @Test
  void rgbPngRoundTripsInRgbOrder() {
    BufferedImage source = TestImages.rgb(8, 6, 5);
    DecodedImage image = new ImageDecoder(3, 6, 8, 0).decode(TestImages.png(source), NAME);
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 8; x++) {
        int rgb = source.getRGB(x, y);
        assertThat(new int[] {image.at(y, x, 0), image.at(y, x, 1), image.at(y, x, 2)})
            .containsExactly((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff);
      }
    }
  }

  @Test
  void sixteenBitGrayKeepsTheHighByte() {
    BufferedImage source = new BufferedImage(4, 3, BufferedImage.TYPE_USHORT_GRAY);
    for (int i = 0; i < 12; i++) {
      source.getRaster().setSample(i % 4, i / 4, 0, i * 5000 + 77);
    }
    DecodedImage image = new ImageDecoder(1, 3, 4, 0).decode(TestImages.png(source), NAME);
    for (int i = 0; i < 12; i++) {
      assertThat(image.at(i / 4, i % 4, 0)).isEqualTo((i * 5000 + 77) >> 8);
    }
  }

  @Test
  void palettePngsDecodeToTheirColoursAndGrayPalettesFitOneChannel() {
    byte[] r = {0, (byte) 200, 10};
    byte[] g = {0, 30, 10};
    byte[] b = {0, 90, 10};
    BufferedImage colour = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(2, 3, r, g, b));
    for (int i = 0; i < 6; i++) {
      colour.getRaster().setSample(i % 3, i / 3, 0, i % 3);
    }
    DecodedImage image = new ImageDecoder(3, 2, 3, 0).decode(TestImages.png(colour), NAME);
    assertThat(new int[] {image.at(1, 1, 0), image.at(1, 1, 1), image.at(1, 1, 2)}).containsExactly(200, 30, 90);
    assertThat(new int[] {image.at(0, 2, 0), image.at(0, 2, 1), image.at(0, 2, 2)}).containsExactly(10, 10, 10);
    assertUserError(new ImageDecoder(1, 2, 3, 0), TestImages.png(colour), "colour image", "image_shape has 1 channel",
        "3,2,3");

    byte[] grays = {0, 100, (byte) 255};
    BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED,
        new IndexColorModel(2, 3, grays, grays, grays));
    for (int i = 0; i < 6; i++) {
      gray.getRaster().setSample(i % 3, i / 3, 0, (i + 1) % 3);
    }
    DecodedImage one = new ImageDecoder(1, 2, 3, 0).decode(TestImages.png(gray), NAME);
    assertThat(one.pixels()).containsExactly(100, 255, 0, 100, 255, 0);
  }

  @Test
  void colourIntoOneChannelIsAUserErrorUnlessEveryPixelIsGray() {
    assertUserError(new ImageDecoder(1, 6, 8, 0), TestImages.png(TestImages.rgb(8, 6, 1)), "colour image",
        "convert the images to grayscale or set image_shape to 3,6,8");
    BufferedImage grayAsRgb = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 16; i++) {
      int v = i * 15;
      grayAsRgb.setRGB(i % 4, i / 4, (v << 16) | (v << 8) | v);
    }
    DecodedImage image = new ImageDecoder(1, 4, 4, 0).decode(TestImages.png(grayAsRgb), NAME);
    assertThat(image.channels()).isEqualTo(1);
    assertThat(image.at(3, 3, 0)).isEqualTo(225);
  }

  @Test
  void opaqueAlphaIsDroppedAndTransparencyIsAUserError() {
    BufferedImage rgba = new BufferedImage(3, 3, BufferedImage.TYPE_4BYTE_ABGR);
    for (int i = 0; i < 9; i++) {
      rgba.setRGB(i % 3, i / 3, 0xff000000 | (i * 20 << 16) | 0x0a0b);
    }
    DecodedImage image = new ImageDecoder(3, 3, 3, 0).decode(TestImages.png(rgba), NAME);
    assertThat(new int[] {image.at(2, 2, 0), image.at(2, 2, 1), image.at(2, 2, 2)}).containsExactly(160, 0x0a, 0x0b);
    rgba.setRGB(1, 2, 0x80102030);
    assertUserError(new ImageDecoder(3, 3, 3, 0), TestImages.png(rgba), "transparent pixels", "x=1, y=2", "flatten");
  }

  private static BufferedImage component(int colourSpace, boolean alpha, int dataType, int width, int height) {
    ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(colourSpace), alpha, false,
        alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, dataType);
    WritableRaster raster = model.createCompatibleWritableRaster(width, height);
    return new BufferedImage(model, raster, false, null);
  }

  @Test
  void grayAlphaPngIsGrayWhenOpaqueAndRefusedWhenTransparent() {
    BufferedImage grayAlpha = component(ColorSpace.CS_GRAY, true, DataBuffer.TYPE_BYTE, 4, 3);
    for (int i = 0; i < 12; i++) {
      grayAlpha.getRaster().setPixel(i % 4, i / 4, new int[] {i * 20, 255});
    }
    DecodedImage one = new ImageDecoder(1, 3, 4, 0).decode(TestImages.png(grayAlpha), NAME);
    assertThat(one.at(2, 3, 0)).isEqualTo(220);
    DecodedImage three = new ImageDecoder(3, 3, 4, 0).decode(TestImages.png(grayAlpha), NAME);
    assertThat(new int[] {three.at(1, 1, 0), three.at(1, 1, 1), three.at(1, 1, 2)}).containsExactly(100, 100, 100);
    grayAlpha.getRaster().setPixel(3, 0, new int[] {7, 0});
    assertUserError(new ImageDecoder(1, 3, 4, 0), TestImages.png(grayAlpha), "transparent pixels", "x=3, y=0");
  }

  @Test
  void sixteenBitRgbaPngKeepsHighBytesAndChecksAlpha() {
    BufferedImage rgba = component(ColorSpace.CS_sRGB, true, DataBuffer.TYPE_USHORT, 3, 2);
    for (int i = 0; i < 6; i++) {
      rgba.getRaster().setPixel(i % 3, i / 3, new int[] {i * 10000, 65535 - i * 100, 300, 65535});
    }
    DecodedImage image = new ImageDecoder(3, 2, 3, 0).decode(TestImages.png(rgba), NAME);
    for (int i = 0; i < 6; i++) {
      assertThat(new int[] {image.at(i / 3, i % 3, 0), image.at(i / 3, i % 3, 1), image.at(i / 3, i % 3, 2)})
          .containsExactly((i * 10000) >> 8, (65535 - i * 100) >> 8, 300 >> 8);
    }
    rgba.getRaster().setPixel(2, 1, new int[] {0, 0, 0, 65534});
    assertUserError(new ImageDecoder(3, 2, 3, 0), TestImages.png(rgba), "transparent pixels", "x=2, y=1");
  }

  @Test
  void colourJpegDecodesCloseToTheSource() {
    BufferedImage source = TestImages.smooth(32, 24);
    DecodedImage image = new ImageDecoder(3, 24, 32, 0).decode(TestImages.jpeg(source), "s3://b/a.jpg");
    assertThat(image.width()).isEqualTo(32);
    assertThat(image.height()).isEqualTo(24);
    int rgb = source.getRGB(16, 12);
    assertThat(image.at(12, 16, 0)).isCloseTo((rgb >> 16) & 0xff, org.assertj.core.data.Offset.offset(12));
    assertThat(image.at(12, 16, 1)).isCloseTo((rgb >> 8) & 0xff, org.assertj.core.data.Offset.offset(12));
    assertThat(image.at(12, 16, 2)).isCloseTo(rgb & 0xff, org.assertj.core.data.Offset.offset(12));
    DecodedImage gray = new ImageDecoder(1, 20, 20, 0).decode(TestImages.jpeg(TestImages.gray(20, 20, 9)), NAME);
    assertThat(gray.channels()).isEqualTo(1);
  }

  @Test
  void truncatedPngIsAUserErrorNamingTheFile() {
    byte[] png = TestImages.png(TestImages.rgb(64, 64, 7));
    assertUserError(new ImageDecoder(3, 64, 64, 0), Arrays.copyOf(png, png.length / 2), "cannot be decoded as PNG",
        "corrupt or truncated", "re-upload");
    // cut after its pixel data (ImageIO reads the pixels without a word): the missing IEND chunk tells
    byte[] small = TestImages.png(TestImages.gray(8, 8, 3));
    for (int cut : new int[] {1, 12, 20}) {
      assertUserError(new ImageDecoder(1, 8, 8, 0), Arrays.copyOf(small, small.length - cut), "corrupt or truncated",
          "IEND");
    }
    assertThat(new ImageDecoder(1, 8, 8, 0).decode(small, NAME).height()).isEqualTo(8);
  }

  @Test
  void truncatedJpegIsAUserErrorEvenWhenImageIoOnlyWarns() {
    // cut inside the entropy-coded scan: ImageIO returns an image and only warns
    byte[] jpeg = TestImages.jpeg(TestImages.rgb(256, 256, 8));
    assertUserError(new ImageDecoder(3, 256, 256, 0), Arrays.copyOf(jpeg, jpeg.length * 2 / 3), "corrupt or truncated",
        "the JPEG decoder says: ");
    assertUserError(new ImageDecoder(3, 256, 256, 0), Arrays.copyOf(jpeg, jpeg.length - 2), "corrupt or truncated",
        "Missing EOI marker");
    // cut inside the headers: ImageIO fails
    byte[] small = TestImages.jpeg(TestImages.smooth(64, 64));
    assertUserError(new ImageDecoder(3, 64, 64, 0), Arrays.copyOf(small, 300), "cannot be decoded as JPEG",
        "corrupt or truncated");
  }

  @Test
  void otherFormatsAndNonImagesAreRefused() {
    assertUserError(new ImageDecoder(3, 4, 4, 0), "0\t1\ta.jpg\n".getBytes(StandardCharsets.UTF_8),
        "not a JPEG or PNG file", "starts with bytes 30 09 31");
    assertUserError(new ImageDecoder(3, 4, 4, 0), TestImages.encode(TestImages.rgb(4, 4, 1), "gif"),
        "not a JPEG or PNG file");
    assertUserError(new ImageDecoder(3, 4, 4, 0), new byte[0], "it is empty");
  }

  @Test
  void smallerThanImageShapeWithoutResizeSuggestsResize() {
    assertUserError(new ImageDecoder(3, 32, 32, 0), TestImages.png(TestImages.rgb(40, 20, 1)),
        "40x20 pixels (width x height), smaller than image_shape=3,32,32", "set the hyperparameter resize", "resize=32");
  }

  @Test
  void resizeSetsTheShorterSideKeepingTheAspectRatio() {
    DecodedImage wide = new ImageDecoder(3, 30, 30, 30).decode(TestImages.png(TestImages.rgb(40, 20, 1)), NAME);
    assertThat(wide.height()).isEqualTo(30);
    assertThat(wide.width()).isEqualTo(60);
    DecodedImage tall = new ImageDecoder(1, 10, 10, 10).decode(TestImages.png(TestImages.gray(25, 50, 1)), NAME);
    assertThat(tall.width()).isEqualTo(10);
    assertThat(tall.height()).isEqualTo(20);
    assertUserError(new ImageDecoder(3, 32, 32, 16), TestImages.png(TestImages.rgb(40, 20, 1)),
        "after resize=16", "set resize to at least 32");
  }

  @Test
  void resizeIsBilinearOnAConstantAndAGradient() {
    byte[] constant = new byte[4 * 6];
    Arrays.fill(constant, (byte) 77);
    DecodedImage resized = new DecodedImage(constant, 4, 6, 1).resizeShorterSide(8);
    assertThat(resized.height()).isEqualTo(8);
    assertThat(resized.width()).isEqualTo(12);
    for (byte v : resized.pixels()) {
      assertThat(v & 0xff).isEqualTo(77);
    }
    // a 1x2 image [0, 200] upscaled to 1x4: centres at -0.25, 0.25, 0.75, 1.25 -> 0, 50, 150, 200
    DecodedImage ramp = new DecodedImage(new byte[] {0, (byte) 200}, 1, 2, 1).resize(1, 4);
    assertThat(ramp.pixels()).containsExactly(0, 50, (byte) 150, (byte) 200);
  }
}
