package io.kiln.spi;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A channel after listing: what it holds and how it is read.
 *
 * @param name the channel name
 * @param uri the prefix the objects' keys are relative to, as the user wrote it: the channel's URI
 *     (S3Uri) for S3Prefix; the {@code prefix} written in the manifest for ManifestFile; the
 *     manifest's own URI for AugmentedManifestFile
 * @param contentType the data format
 * @param distribution how objects are shared among workers
 * @param gzip whether every object is gzip-compressed
 * @param objects the matching objects, sorted by key
 * @param contentTypeParameters the ContentType's parameters as written ({@code label_size},
 *     {@code charset}), by lower-case name; empty when none
 * @param dataType what the channel's URI named (SageMaker's S3DataType). For ManifestFile,
 *     {@code objects} are the objects the manifest lists; for AugmentedManifestFile, the manifest
 *     itself, whose lines workers read ({@link WorkerContext#augmentedManifest})
 * @param attributeNames the attributes an AugmentedManifestFile's lines give the algorithm, in
 *     order (SageMaker's AttributeNames); empty for the other data types
 */
public record ChannelData(
    String name,
    String uri,
    ContentType contentType,
    DataDistribution distribution,
    boolean gzip,
    List<DataObject> objects,
    Map<String, String> contentTypeParameters,
    S3DataType dataType,
    List<String> attributeNames) {
  public ChannelData {
    objects = List.copyOf(objects);
    contentTypeParameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(contentTypeParameters));
    dataType = dataType == null ? S3DataType.S3Prefix : dataType;
    attributeNames = attributeNames == null ? List.of() : List.copyOf(attributeNames);
  }

  /** A channel of objects under a key prefix (S3Prefix). */
  public ChannelData(String name, String uri, ContentType contentType, DataDistribution distribution, boolean gzip,
      List<DataObject> objects, Map<String, String> contentTypeParameters) {
    this(name, uri, contentType, distribution, gzip, objects, contentTypeParameters, S3DataType.S3Prefix, List.of());
  }

  /** A channel whose ContentType has no parameters. */
  public ChannelData(String name, String uri, ContentType contentType, DataDistribution distribution, boolean gzip,
      List<DataObject> objects) {
    this(name, uri, contentType, distribution, gzip, objects, Map.of());
  }

  /** True for an AugmentedManifestFile channel, read through {@link WorkerContext#augmentedManifest}. */
  public boolean augmentedManifest() {
    return dataType == S3DataType.AugmentedManifestFile;
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
