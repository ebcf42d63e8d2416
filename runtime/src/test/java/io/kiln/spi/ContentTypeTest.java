package io.kiln.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContentTypeTest {
  private static final ContentType JSON_LINES = ContentType.of("application/jsonlines", ContentType.Split.LINES,
      "application/x-jsonlines", "JSONL");
  private static final ContentType IMAGE = ContentType.of("Application/X-Image", ContentType.Split.OBJECTS);

  @Test
  void runtimeFormatsSplitByRowsAndKnowSageMakersNames() {
    List<ContentType> runtime = List.of(ContentType.CSV, ContentType.LIBSVM, ContentType.PARQUET,
        ContentType.RECORDIO_PROTOBUF);
    assertThat(runtime).extracting(ContentType::mime).containsExactly("text/csv", "text/libsvm",
        "application/x-parquet", "application/x-recordio-protobuf");
    assertThat(runtime).extracting(ContentType::split).containsOnly(ContentType.Split.ROWS);
    assertThat(ContentType.RECORDIO_PROTOBUF.matches("recordio-protobuf")).isTrue();
    assertThat(ContentType.LIBSVM.matches("text/x-libsvm")).isTrue();
    assertThat(ContentType.CSV.matches(" CSV ")).isTrue();
    assertThat(ContentType.PARQUET.matches("parquet")).isTrue();
    assertThat(ContentType.CSV.matches("text/libsvm")).isFalse();
    assertThat(ContentType.accepted()).isEqualTo("text/csv, text/libsvm, application/x-parquet, "
        + "application/x-recordio-protobuf");
  }

  @Test
  void algorithmDeclaredTypeMatchesItsMimeAndAliasesInAnyCase() {
    assertThat(JSON_LINES.mime()).isEqualTo("application/jsonlines");
    assertThat(JSON_LINES.split()).isEqualTo(ContentType.Split.LINES);
    assertThat(JSON_LINES.aliases()).containsExactly("application/x-jsonlines", "jsonl");
    assertThat(JSON_LINES.matches("Application/JSONLines")).isTrue();
    assertThat(JSON_LINES.matches("application/x-jsonlines")).isTrue();
    assertThat(JSON_LINES.matches("jsonl")).isTrue();
    assertThat(JSON_LINES.matches("application/json")).isFalse();
    assertThat(IMAGE.mime()).isEqualTo("application/x-image");
    assertThat(IMAGE.toString()).isEqualTo("application/x-image");
    assertThat(ContentType.accepted(List.of(JSON_LINES, ContentType.CSV, IMAGE)))
        .isEqualTo("application/jsonlines, text/csv, application/x-image");
  }

  @Test
  void equalWhenTheMimeTypesAre() {
    ContentType again = ContentType.of("APPLICATION/X-IMAGE", ContentType.Split.OBJECTS, "image/jpeg");
    assertThat(again).isEqualTo(IMAGE).hasSameHashCodeAs(IMAGE);
    assertThat(IMAGE).isNotEqualTo(JSON_LINES).isNotEqualTo(ContentType.CSV).isNotEqualTo("application/x-image");
  }

  @Test
  void declaringARuntimeFormatGivesTheConstant() {
    assertThat(ContentType.of("Text/CSV", ContentType.Split.ROWS)).isSameAs(ContentType.CSV);
    assertThat(ContentType.of("text/x-libsvm", ContentType.Split.ROWS)).isSameAs(ContentType.LIBSVM);
    assertThat(ContentType.of("application/x-parquet", ContentType.Split.ROWS)).isSameAs(ContentType.PARQUET);
  }

  @Test
  void aRuntimeFormatCannotBeGivenAnotherSplit() {
    assertThatThrownBy(() -> ContentType.of("text/csv", ContentType.Split.LINES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("text/csv is the runtime's ROWS format text/csv; declare it as ContentType.CSV (it can be read "
            + "with read(), lines(), objects() or download())");
  }

  @Test
  void onlyTheRuntimeSplitsByRows() {
    assertThatThrownBy(() -> ContentType.of("application/x-my-rows", ContentType.Split.ROWS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("application/x-my-rows: only the runtime's formats (text/csv, text/libsvm, "
            + "application/x-parquet, application/x-recordio-protobuf) split by rows; declare LINES or OBJECTS and "
            + "parse the data in worker code");
    assertThat(ContentType.of("application/x-recordio-protobuf", ContentType.Split.ROWS))
        .isSameAs(ContentType.RECORDIO_PROTOBUF);
  }

  @Test
  void aDeclaredTypeIsABareMimeType() {
    for (String bad : new String[] {"text/csv;label_size=0", "jsonlines", "", "a/b/c", "/x", "image/"}) {
      assertThatThrownBy(() -> ContentType.of(bad, ContentType.Split.OBJECTS)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("a content type is a bare MIME type (type/subtype, no parameters), not '" + bad + "'");
    }
    assertThatThrownBy(() -> ContentType.of("a/b", ContentType.Split.LINES, "x;y=1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("alias 'x;y=1' of a/b is not a bare name");
  }

  @Test
  void serialisationKeepsRuntimeFormatsIdenticalAndDeclaredOnesEqual() throws Exception {
    assertThat(roundTrip(ContentType.CSV)).isSameAs(ContentType.CSV);
    assertThat(roundTrip(ContentType.LIBSVM)).isSameAs(ContentType.LIBSVM);
    assertThat(roundTrip(ContentType.PARQUET)).isSameAs(ContentType.PARQUET);
    assertThat(roundTrip(ContentType.RECORDIO_PROTOBUF)).isSameAs(ContentType.RECORDIO_PROTOBUF);
    ContentType lines = roundTrip(JSON_LINES);
    assertThat(lines).isEqualTo(JSON_LINES).isNotSameAs(JSON_LINES);
    assertThat(lines.split()).isEqualTo(ContentType.Split.LINES);
    assertThat(lines.matches("application/x-jsonlines")).isTrue();
    assertThat(roundTrip(IMAGE).split()).isEqualTo(ContentType.Split.OBJECTS);
  }

  @Test
  void parseFindsTheRuntimeFormatIgnoringParameters() {
    assertThat(ContentType.parse("text/csv; label_size=0")).contains(ContentType.CSV);
    assertThat(ContentType.parse("CSV")).contains(ContentType.CSV);
    assertThat(ContentType.parse("text/x-libsvm")).contains(ContentType.LIBSVM);
    assertThat(ContentType.parse("application/x-recordio-protobuf; label_size=0"))
        .contains(ContentType.RECORDIO_PROTOBUF);
    assertThat(ContentType.parse("application/jsonlines")).isEmpty();
    assertThat(ContentType.parse(null)).isEmpty();
    assertThatThrownBy(() -> ContentType.parse(" ;label_size=0")).isInstanceOf(KilnException.class)
        .hasMessage("Content type ' ;label_size=0' has no MIME type; write e.g. text/csv")
        .extracting(e -> ((KilnException) e).type()).isEqualTo(ErrorType.USER);
  }

  private static ContentType roundTrip(ContentType t) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (ContentType) in.readObject();
    }
  }
}
