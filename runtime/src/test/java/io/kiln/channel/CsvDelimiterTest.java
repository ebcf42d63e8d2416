package io.kiln.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The delimiter of a first line, against what Python 3's {@code csv.Sniffer().sniff(line)} returns
 * for it (SageMaker's XGBoost container's choice; the expected values were printed by Python 3.11).
 */
class CsvDelimiterTest {
  @ParameterizedTest(name = "{0} -> {1} (Python: {2})")
  @CsvSource(delimiter = '!', quoteCharacter = '"', value = {
      // line ! Kiln ! Python's sniffer
      "1,2.5,3        ! ,   ! ,",
      "1\t2.5\t3      ! TAB ! TAB",
      "1;2.5;3        ! ;   ! ;",
      "\"1 2.5 3\"    ! SP  ! SP",
      "1:2.5:3        ! :   ! :",
      "1|2.5|3.25     ! |   ! |",
      "1;2,5;3        ! ,   ! ,",
      "\"1, 2, 3\"    ! ,   ! ,",
      "1\t2 3         ! TAB ! TAB",
      "1|nan|3        ! |   ! |",
      "0#1#2          ! #   ! #",
      // the sniffer splits numbers apart here; Kiln does not
      "0|0.5|0.25|0.125 ! | ! 0",
      "7              ! ,   ! 7"})
  void sniffsAsPythonsSnifferExceptThroughNumbers(String line, String kiln, String python) {
    byte[] b = line.strip().replace("TAB", "\t").getBytes(StandardCharsets.US_ASCII);
    assertThat((char) CsvDelimiter.sniff(b, 0, b.length)).isEqualTo(decode(kiln));
    if (!kiln.equals(python)) {
      assertThat(CsvDelimiter.partOfValue(decode(python))).isTrue();
    }
  }

  private static char decode(String s) {
    return switch (s.strip()) {
      case "TAB" -> '\t';
      case "SP" -> ' ';
      default -> s.strip().charAt(0);
    };
  }
}
