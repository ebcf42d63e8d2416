package io.kiln.spi;

import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A channel's data format: a MIME type and how its data is shared among workers.
 *
 * <p>The set is open: the runtime defines the formats several built-ins share ({@link #CSV},
 * {@link #LIBSVM}, {@link #PARQUET}, {@link #RECORDIO_PROTOBUF}, which {@link WorkerContext#read}
 * turns into a labelled matrix),
 * and an algorithm declares any other format it reads with {@link #of} in its
 * {@link ChannelRequirement}s; its worker code then reads the channel through
 * {@link WorkerContext#lines}, {@link WorkerContext#objects} or {@link WorkerContext#download}.
 *
 * <p>A MIME type has one split: two content types are equal when their MIME types are, and
 * {@link #of} refuses to give a runtime format's MIME type another split. A deserialised runtime
 * format is the constant itself, so {@code ==} and {@code equals} agree for those on every
 * executor.
 */
public final class ContentType implements Serializable {
  private static final long serialVersionUID = 1L;

  /** RFC 6838 §4.2 restricted names: {@code type/subtype}, lower case here. */
  private static final Pattern MIME = Pattern.compile(
      "[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}");

  /** How a channel of this type is cut among workers. */
  public enum Split {
    /**
     * Rows of a table (byte ranges of text at line boundaries, byte ranges of RecordIO at record
     * boundaries, or Parquet row ranges).
     */
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
  /** Apache Parquet, label in the first column unless {@code label_size=0}. */
  public static final ContentType PARQUET = new ContentType("application/x-parquet", Split.ROWS,
      List.of("parquet"));

  /**
   * SageMaker's RecordIO-protobuf: MXNet RecordIO framing around one {@code aialgs.data.Record}
   * protobuf per row, features in {@code features["values"]} (a dense or sparse tensor), the label
   * in {@code label["values"]} unless {@code label_size=0}. What the SageMaker Python SDK's
   * {@code record_set()} and {@code write_numpy_to_dense_tensor} write. Byte ranges of an object
   * are shared among workers at record boundaries (see {@code io.kiln.channel.RecordIoSplitReader}).
   */
  public static final ContentType RECORDIO_PROTOBUF = new ContentType("application/x-recordio-protobuf", Split.ROWS,
      List.of("recordio-protobuf"));

  /**
   * Any MIME type, read as whole objects: for an algorithm that passes channels on as files without
   * reading them itself (a user's script in File mode). Matches every base type; its channels are
   * dealt out by object ({@link Split#OBJECTS}).
   */
  public static final ContentType ANY = new ContentType("*/*", Split.OBJECTS, List.of());

  private static final List<ContentType> RUNTIME_ROW_FORMATS = List.of(CSV, LIBSVM, PARQUET, RECORDIO_PROTOBUF);

  private final String mime;
  private final Split split;
  private final List<String> aliases;

  private ContentType(String mime, Split split, List<String> aliases) {
    this.mime = normalise(mime);
    this.split = Objects.requireNonNull(split, "split");
    this.aliases = List.copyOf(aliases.stream().map(ContentType::normalise).toList());
  }

  /**
   * Declares a format an algorithm reads, e.g. {@code of("application/jsonlines", Split.LINES,
   * "application/x-jsonlines")}. Case and spaces are ignored. Naming a runtime format (its MIME type
   * or an alias) with its own split returns that constant.
   *
   * @param mime a bare MIME type ({@code type/subtype}, no parameters)
   * @param split how the channel's data is cut among workers
   * @param aliases other names a channel may give for the type (bare MIME types or short names)
   * @throws IllegalArgumentException for a value that is not a bare MIME type, a new ROWS format
   *     (only the runtime's have a reader into {@link LabeledData}), or a runtime format with
   *     another split
   */
  public static ContentType of(String mime, Split split, String... aliases) {
    Objects.requireNonNull(split, "split");
    String m = normalise(mime);
    if (!MIME.matcher(m).matches()) {
      throw new IllegalArgumentException("a content type is a bare MIME type (type/subtype, no parameters), not '"
          + mime + "'");
    }
    for (ContentType known : RUNTIME_ROW_FORMATS) {
      if (known.matches(m)) {
        if (split != known.split) {
          throw new IllegalArgumentException(mime + " is the runtime's " + known.split + " format " + known.mime
              + "; declare it as ContentType." + known.name() + " (it can be read with read(), lines(), objects() or"
              + " download())");
        }
        return known;
      }
    }
    if (split == Split.ROWS) {
      throw new IllegalArgumentException(mime + ": only the runtime's formats (" + accepted(RUNTIME_ROW_FORMATS)
          + ") split by rows; declare LINES or OBJECTS and parse the data in worker code");
    }
    List<String> names = new ArrayList<>();
    for (String a : aliases) {
      String n = normalise(a);
      if (n.isEmpty() || n.contains(";")) {
        throw new IllegalArgumentException("alias '" + a + "' of " + m + " is not a bare name");
      }
      if (!n.equals(m) && !names.contains(n)) {
        names.add(n);
      }
    }
    return new ContentType(m, split, names);
  }

  /** The canonical MIME type, lower case, e.g. {@code text/csv}. */
  public String mime() {
    return mime;
  }

  /** How a channel of this type is cut among workers. */
  public Split split() {
    return split;
  }

  /** Other names users write for this type ({@code csv}, {@code text/x-libsvm}), lower case. */
  public List<String> aliases() {
    return aliases;
  }

  /**
   * Whether {@code baseType} (a MIME type or alias without parameters; case and spaces ignored)
   * names this type.
   */
  public boolean matches(String baseType) {
    String b = normalise(baseType);
    return mime.equals(b) || aliases.contains(b) || this == ANY;
  }

  /**
   * Finds the runtime format a channel's ContentType names ({@code text/csv; label_size=1} is
   * CSV: parameters are ignored here); empty for any other format, or for null.
   *
   * @throws KilnException USER for a value without a MIME type ({@link MediaType#parse})
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

  private String name() {
    return this == CSV ? "CSV" : this == LIBSVM ? "LIBSVM" : this == PARQUET ? "PARQUET"
        : this == RECORDIO_PROTOBUF ? "RECORDIO_PROTOBUF" : this == ANY ? "ANY" : mime;
  }

  private static String normalise(String s) {
    return s == null ? "" : s.toLowerCase(Locale.ROOT).replaceAll("\\s", "");
  }

  /** A deserialised runtime format is the constant itself, so {@code ==} keeps working across tasks. */
  private Object readResolve() throws ObjectStreamException {
    if (mime.equals(ANY.mime)) {
      return ANY;
    }
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
