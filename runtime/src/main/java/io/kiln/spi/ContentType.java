package io.kiln.spi;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A channel's data format: a MIME type and how its data is shared among workers.
 *
 * <p>The set is open: the runtime defines the formats several built-ins share ({@link #CSV},
 * {@link #LIBSVM}, {@link #PARQUET}, which {@link WorkerContext#read} turns into a labelled matrix),
 * and an algorithm declares any other format it reads with {@link #of} in its
 * {@link ChannelRequirement}s; its worker code then reads the channel through
 * {@link WorkerContext#lines}, {@link WorkerContext#objects} or {@link WorkerContext#download}.
 *
 * <p>Two content types are equal when their MIME types are.
 */
public final class ContentType implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How a channel of this type is cut among workers. */
  public enum Split {
    /** Rows of a table (byte ranges of text at line boundaries, or Parquet row ranges). */
    ROWS,
    /** Text lines: byte ranges cut at line boundaries, every line read by exactly one worker. */
    LINES,
    /** Whole objects (images, archives, model files): an object is never cut. */
    OBJECTS
  }

  /** Comma-separated values, label first unless {@code label_size=0}. */
  public static final ContentType CSV = new ContentType("text/csv", Split.ROWS, List.of("csv"));
  /** LIBSVM text ({@code label index:value ...}). */
  public static final ContentType LIBSVM = new ContentType("text/libsvm", Split.ROWS,
      List.of("libsvm", "text/x-libsvm"));
  /** Apache Parquet, label in the first column. */
  public static final ContentType PARQUET = new ContentType("application/x-parquet", Split.ROWS,
      List.of("parquet"));

  private static final List<ContentType> RUNTIME_ROW_FORMATS = List.of(CSV, LIBSVM, PARQUET);

  private final String mime;
  private final Split split;
  private final List<String> aliases;

  private ContentType(String mime, Split split, List<String> aliases) {
    this.mime = normalise(mime);
    this.split = Objects.requireNonNull(split, "split");
    this.aliases = aliases.stream().map(ContentType::normalise).toList();
  }

  /**
   * Declares a format an algorithm reads, e.g. {@code of("application/jsonlines", Split.LINES)}.
   * A {@link Split#ROWS} format must be one of the runtime's ({@link #CSV}, {@link #LIBSVM},
   * {@link #PARQUET}): only those have a reader into {@link LabeledData}.
   *
   * @throws IllegalArgumentException for a MIME type with parameters, or a new ROWS format
   */
  public static ContentType of(String mime, Split split, String... aliases) {
    String m = normalise(mime);
    if (m.contains(";") || m.isEmpty()) {
      throw new IllegalArgumentException("a content type is a bare MIME type, not '" + mime + "'");
    }
    for (ContentType known : RUNTIME_ROW_FORMATS) {
      if (known.mime.equals(m)) {
        return known;
      }
    }
    if (split == Split.ROWS) {
      throw new IllegalArgumentException(mime + ": only the runtime's formats (" + accepted(RUNTIME_ROW_FORMATS)
          + ") split by rows; declare LINES or OBJECTS and parse the data in worker code");
    }
    return new ContentType(m, split, List.of(aliases));
  }

  /** The canonical MIME type, lower case, e.g. {@code text/csv}. */
  public String mime() {
    return mime;
  }

  public Split split() {
    return split;
  }

  /** Other names users write for this type ({@code csv}, {@code text/x-libsvm}). */
  public List<String> aliases() {
    return aliases;
  }

  /** Whether {@code baseType} (a MIME type without parameters, any case) names this type. */
  public boolean matches(String baseType) {
    String b = normalise(baseType);
    return mime.equals(b) || aliases.contains(b);
  }

  /**
   * Finds the runtime format a channel's ContentType names ({@code text/csv; label_size=1} is
   * CSV: parameters are ignored here); empty for any other format.
   */
  public static Optional<ContentType> parse(String value) {
    if (value == null) {
      return Optional.empty();
    }
    String base = MediaType.parse(value).type();
    return RUNTIME_ROW_FORMATS.stream().filter(t -> t.matches(base)).findFirst();
  }

  /** The runtime's own formats, comma-separated, for messages. */
  public static String accepted() {
    return accepted(RUNTIME_ROW_FORMATS);
  }

  /** The canonical MIME types of {@code types}, comma-separated, for messages. */
  public static String accepted(List<ContentType> types) {
    return String.join(", ", types.stream().map(ContentType::mime).toList());
  }

  private static String normalise(String s) {
    return s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace(" ", "");
  }

  /** A deserialised runtime format is the constant itself, so {@code ==} keeps working across tasks. */
  private Object readResolve() throws ObjectStreamException {
    for (ContentType known : RUNTIME_ROW_FORMATS) {
      if (known.mime.equals(mime)) {
        return known;
      }
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ContentType t && t.mime.equals(mime);
  }

  @Override
  public int hashCode() {
    return mime.hashCode();
  }

  @Override
  public String toString() {
    return mime;
  }
}
