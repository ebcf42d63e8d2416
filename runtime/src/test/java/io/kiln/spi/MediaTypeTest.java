package io.kiln.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MediaTypeTest {
  @Test
  void parsesTheBaseTypeAndParametersInOrder() {
    MediaType t = MediaType.parse("text/csv; label_size=0; charset=utf-8");

    assertThat(t.type()).isEqualTo("text/csv");
    assertThat(t.parameters()).containsExactly(Map.entry("label_size", "0"), Map.entry("charset", "utf-8"));
    assertThat(List.copyOf(t.parameters().keySet())).containsExactly("label_size", "charset");
    assertThat(t.parameter("label_size")).isEqualTo("0");
    assertThat(t.parameter("header")).isNull();
  }

  @Test
  void typeAndNamesAreLowerCaseValuesKeepTheirCase() {
    MediaType t = MediaType.parse("Text/CSV; Label_Size=0; CHARSET=UTF-8");

    assertThat(t.type()).isEqualTo("text/csv");
    assertThat(t.parameters()).containsExactly(Map.entry("label_size", "0"), Map.entry("charset", "UTF-8"));
    assertThat(t.parameter("LABEL_SIZE")).isEqualTo("0");
  }

  @Test
  void whiteSpaceAroundEverythingIsIgnored() {
    MediaType t = MediaType.parse("  text / csv ;label_size = 0 ;\tcharset=\tutf-8  ");

    assertThat(t.type()).isEqualTo("text/csv");
    assertThat(t.parameters()).containsExactly(Map.entry("label_size", "0"), Map.entry("charset", "utf-8"));
  }

  @Test
  void quotedValuesAreUnquotedAndMayHoldSemicolonsAndEscapes() {
    MediaType t = MediaType.parse("a/b; charset=\"UTF-8\"; note=\"x; y = z\" ; say=\"\\\"hi\\\" \\\\ there\"; n=1");

    assertThat(t.parameters()).containsExactly(Map.entry("charset", "UTF-8"), Map.entry("note", "x; y = z"),
        Map.entry("say", "\"hi\" \\ there"), Map.entry("n", "1"));
  }

  @Test
  void emptyParametersAndOnesWithoutValuesAreTolerated() {
    assertThat(MediaType.parse("text/csv;").parameters()).isEmpty();
    assertThat(MediaType.parse("text/csv;;").parameters()).isEmpty();
    assertThat(MediaType.parse("a/b; flag; x=").parameters()).containsExactly(Map.entry("flag", ""),
        Map.entry("x", ""));
    assertThat(MediaType.parse("csv").type()).isEqualTo("csv");
  }

  @Test
  void writtenFormParsesBackToTheSameValue() {
    for (String s : List.of("text/csv", "text/csv; label_size=0", "a/b; note=\"x; y\"; say=\"\\\"q\\\"\"; e=\"\"")) {
      MediaType t = MediaType.parse(s);
      assertThat(MediaType.parse(t.toString())).as(t.toString()).isEqualTo(t);
    }
    assertThat(MediaType.parse("Text/CSV ; Label_Size=0").toString()).isEqualTo("text/csv;label_size=0");
  }

  @Test
  void badValuesAreUserErrorsSayingWhatToWrite() {
    assertThat(userError("")).hasMessage("Content type '' has no MIME type; write e.g. text/csv");
    assertThat(userError(null)).hasMessage("Content type '' has no MIME type; write e.g. text/csv");
    assertThat(userError(" ; label_size=0")).hasMessage("Content type ' ; label_size=0' has no MIME type; write e.g. "
        + "text/csv");
    assertThat(userError("text/csv; charset=\"utf-8")).hasMessage("Content type 'text/csv; charset=\"utf-8' has an "
        + "unclosed quote in parameter 'charset'; close it with \"");
    assertThat(userError("text/csv; label_size=0; Label_Size=1")).hasMessage("Content type 'text/csv; label_size=0; "
        + "Label_Size=1' gives parameter 'label_size' twice; keep one");
    assertThat(userError("text/csv; =0")).hasMessage("Content type 'text/csv; =0' has a parameter without a name; "
        + "write name=value");
    assertThat(userError("text/csv; charset=\"utf-8\"x")).hasMessage("Content type 'text/csv; charset=\"utf-8\"x' "
        + "has text after the quoted value of parameter 'charset'; separate parameters with ;");
  }

  private static KilnException userError(String value) {
    KilnException e = catchThrowableOfType(() -> MediaType.parse(value), KilnException.class);
    assertThat(e).as(value).isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e;
  }
}
