package io.kiln.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FloatParserTest {
  @Test
  void parsesTheUsualForms() {
    assertParsesLikeJava("0", "1", "-1", "+1", "12.5", ".5", "5.", "-.5", "-5.", "007", "0.000", "1e3", "1E3",
        "1e+3", "1e-3", "2.5e-0", "-0", "-0.0", "+0.0e5", "0e99", "3.4028235e38", "3.4028236e38", "1e39", "-1e39",
        "1.4e-45", "7e-46", "1e-50", "16777216", "16777217", "16777219", "0.1", "0.2", "0.3", "123456.789",
        "1234567", "9999999", "99999999", "999999999", "9999999999", "1.00000000000000000001", "NaN", "Infinity",
        "-Infinity", "1e10", "1e-10", "9.999999e10", "1.6777215e7", "0.000000001", "0000000000000000000001.5");
  }

  @Test
  void keepsTheSignOfZero() {
    assertThat(Float.floatToRawIntBits(parse("-0"))).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(Float.floatToRawIntBits(parse("-0.000e-3"))).isEqualTo(Float.floatToRawIntBits(-0f));
    assertThat(Float.floatToRawIntBits(parse("0.0"))).isZero();
  }

  @Test
  void parsesOnlyTheGivenRange() {
    byte[] b = "x,12.5e1,y".getBytes(StandardCharsets.US_ASCII);

    assertThat(FloatParser.parse(b, 2, 8)).isEqualTo(125f);
    assertThat(FloatParser.parse(b, 2, 4)).isEqualTo(12f);
    assertThat(FloatParser.parse(b, 3, 5)).isEqualTo(2f);
  }

  @Test
  void rejectsWhatJavaRejects() {
    for (String s : new String[] {"", ".", "-", "+", "e5", "1e", "1e+", "1e-", "1.2.3", "--1", "+-1", "1-", "1e5.5",
        "abc", "1,5", "0x", "1 2", "nan", "inf", "١"}) {
      assertThatExceptionOfType(NumberFormatException.class).as("'%s'", s).isThrownBy(() -> Float.parseFloat(s));
      assertThatExceptionOfType(NumberFormatException.class).as("'%s'", s).isThrownBy(() -> parse(s));
    }
  }

  @Test
  void roundsExactlyLikeFloatParseFloatOnRandomDecimals() {
    Random random = new Random(20240601);
    for (int i = 0; i < 400_000; i++) {
      assertParsesLikeJava(randomDecimal(random));
    }
  }

  @Test
  void roundsExactlyLikeFloatParseFloatNearHalfwayPoints() {
    for (float f : new float[] {Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE,
        1f, 0.1f, 16777216f}) {
      BigDecimal halfUlp = new BigDecimal(Math.ulp(f)).divide(BigDecimal.valueOf(2));
      assertParsesLikeJava(new BigDecimal(f).add(halfUlp).toString(), new BigDecimal(f).subtract(halfUlp).toString());
    }
    Random random = new Random(17);
    for (int i = 0; i < 10_000; i++) {
      // exponents of about 1e-20 to 1e20, where the decimal expansions stay short enough to be quick
      float f = Float.intBitsToFloat((random.nextInt() & 0x807fffff) | (64 + random.nextInt(128)) << 23);
      if (Float.isNaN(f) || Float.isInfinite(f)) {
        continue;
      }
      BigDecimal x = new BigDecimal(f);
      BigDecimal halfUlp = new BigDecimal(Math.ulp(f)).divide(BigDecimal.valueOf(2));
      BigDecimal tiny = halfUlp.movePointLeft(12);
      for (BigDecimal v : new BigDecimal[] {x.add(halfUlp), x.subtract(halfUlp), x.add(halfUlp).add(tiny),
          x.add(halfUlp).subtract(tiny)}) {
        assertParsesLikeJava(v.toString(), v.toPlainString());
      }
      // the shortest decimal of a float and its neighbours in the fast path's range
      assertParsesLikeJava(Float.toString(f), Float.toString(Math.nextUp(f)), Float.toString(Math.nextDown(f)));
    }
  }

  @Test
  void roundsExactlyLikeFloatParseFloatOnEveryFastPathShape() {
    Random random = new Random(5);
    for (int i = 0; i < 200_000; i++) {
      // up to 9 significant digits and a decimal exponent within [-12, 12]: the fast path and its edges
      int digits = 1 + random.nextInt(9);
      long mantissa = (long) (random.nextDouble() * Math.pow(10, digits));
      int scale = random.nextInt(25) - 12;
      assertParsesLikeJava(mantissa + "e" + scale, (random.nextBoolean() ? "-" : "") + mantissa + "E" + scale);
    }
  }

  private static float parse(String s) {
    byte[] b = ("  " + s + "  ").getBytes(StandardCharsets.UTF_8);
    return FloatParser.parse(b, 2, b.length - 2);
  }

  private static void assertParsesLikeJava(String... strings) {
    for (String s : strings) {
      int expected = Float.floatToRawIntBits(Float.parseFloat(s));
      int actual;
      try {
        actual = Float.floatToRawIntBits(parse(s));
      } catch (NumberFormatException e) {
        throw new AssertionError("'" + s + "' parses in Java but FloatParser threw " + e, e);
      }
      if (actual != expected) {
        fail("'%s': FloatParser gave %s (0x%08x), Float.parseFloat %s (0x%08x)", s, Float.intBitsToFloat(actual),
            actual, Float.intBitsToFloat(expected), expected);
      }
    }
  }

  /** Decimals of every shape users write: signs, leading zeros, '.5', '5.', long mantissas, exponents. */
  private static String randomDecimal(Random random) {
    StringBuilder s = new StringBuilder();
    switch (random.nextInt(4)) {
      case 0 -> s.append('-');
      case 1 -> s.append(random.nextInt(4) == 0 ? "+" : "");
      default -> { }
    }
    if (random.nextInt(6) == 0) {
      s.append("0".repeat(1 + random.nextInt(4)));
    }
    int intDigits = random.nextInt(5) == 0 ? 0 : random.nextInt(random.nextInt(4) == 0 ? 25 : 9);
    int fracDigits = random.nextInt(random.nextInt(4) == 0 ? 25 : 9);
    if (intDigits == 0 && fracDigits == 0) {
      intDigits = 1;
    }
    digits(random, s, intDigits);
    if (fracDigits > 0 || random.nextInt(8) == 0) {
      s.append('.');
      if (random.nextInt(5) == 0) {
        s.append("0".repeat(random.nextInt(8)));
      }
      digits(random, s, fracDigits);
    }
    if (s.toString().matches("[-+]?\\.?")) {
      s.append('0');
    }
    if (random.nextInt(3) == 0) {
      s.append(random.nextBoolean() ? 'e' : 'E');
      switch (random.nextInt(3)) {
        case 0 -> s.append('-');
        case 1 -> s.append('+');
        default -> { }
      }
      s.append(random.nextInt(5) == 0 ? random.nextInt(60) : random.nextInt(13));
    }
    return s.toString();
  }

  private static void digits(Random random, StringBuilder s, int n) {
    for (int i = 0; i < n; i++) {
      s.append((char) ('0' + random.nextInt(10)));
    }
  }
}
