package io.kiln.spi;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The data formats Kiln's channel readers understand, with the MIME names SageMaker accepts. */
public enum ContentType {
  CSV("text/csv", "csv", "text/csv;label_size=1"),
  LIBSVM("text/libsvm", "libsvm", "text/x-libsvm"),
  PARQUET("application/x-parquet", "parquet");

  private final String mime;
  private final List<String> aliases;

  ContentType(String mime, String... aliases) {
    this.mime = mime;
    this.aliases = List.of(aliases);
  }

  public String mime() {
    return mime;
  }

  /** Parses a channel's ContentType as SageMaker's built-ins accept it (case and spaces ignored). */
  public static Optional<ContentType> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim().toLowerCase(Locale.ROOT).replace(" ", "");
    return Arrays.stream(values())
        .filter(t -> t.mime.equals(v) || t.aliases.contains(v))
        .findFirst();
  }

  public static String accepted() {
    StringBuilder b = new StringBuilder();
    for (ContentType t : values()) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(t.mime);
    }
    return b.toString();
  }
}
