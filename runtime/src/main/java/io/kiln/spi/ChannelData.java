package io.kiln.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A channel after listing: what it holds and how it is read.
 *
 * @param name the channel name
 * @param uri the prefix as the user wrote it
 * @param contentType the data format
 * @param distribution how objects are shared among workers
 * @param gzip whether every object is gzip-compressed
 * @param objects the matching objects, sorted by key
 * @param contentTypeParameters the ContentType's parameters as written ({@code label_size},
 *     {@code charset}), by lower-case name; empty when none
 */
public record ChannelData(
    String name,
    String uri,
    ContentType contentType,
    DataDistribution distribution,
    boolean gzip,
    List<DataObject> objects,
    Map<String, String> contentTypeParameters) {
  public ChannelData {
    objects = List.copyOf(objects);
    contentTypeParameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(contentTypeParameters));
  }

  /** A channel whose ContentType has no parameters. */
  public ChannelData(String name, String uri, ContentType contentType, DataDistribution distribution, boolean gzip,
      List<DataObject> objects) {
    this(name, uri, contentType, distribution, gzip, objects, Map.of());
  }

  public long totalBytes() {
    return objects.stream().mapToLong(DataObject::size).sum();
  }

  /**
   * SageMaker's {@code label_size} parameter: how many leading columns of a row are labels (0 for
   * unlabelled rows, as K-Means and PCA read them); 1 when not given.
   *
   * @throws KilnException USER when the parameter is not 0 or 1
   */
  public int labelSize() {
    String v = contentTypeParameters.get("label_size");
    if (v == null) {
      return 1;
    }
    return switch (v.trim()) {
      case "0" -> 0;
      case "1" -> 1;
      default -> throw KilnException.user("Channel '" + name + "' has content type parameter label_size=" + v
          + "; Kiln reads label_size=0 (no label) or label_size=1 (label in the first column)");
    };
  }
}
