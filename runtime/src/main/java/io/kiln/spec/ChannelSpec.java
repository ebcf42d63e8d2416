package io.kiln.spec;

import io.kiln.spi.DataDistribution;
import io.kiln.spi.KilnException;
import io.kiln.spi.S3DataType;
import java.util.List;

/**
 * One input channel. Messages name each field in both spellings a job is written in: Kiln's spec
 * ({@code dataType}) and SageMaker's request ({@code S3DataType}).
 *
 * @param name the channel name (SageMaker's ChannelName rule)
 * @param uri an S3 key prefix ({@code s3://}, {@code s3a://}) or a {@code file://} path prefix; for
 *     ManifestFile and AugmentedManifestFile, the manifest object
 * @param contentType the MIME type as written, or null for the algorithm's default
 * @param distribution FullyReplicated or ShardedByS3Key
 * @param compression None or Gzip
 * @param dataType what {@code uri} names (SageMaker's S3DataType), S3Prefix when null
 * @param attributeNames for an AugmentedManifestFile, the attributes of each line the algorithm
 *     reads, in order (SageMaker's AttributeNames: 1 to {@value #MAX_ATTRIBUTE_NAMES} names of 1 to
 *     {@value #MAX_ATTRIBUTE_NAME_LENGTH} characters); required there and refused for the other
 *     data types; empty when null
 */
public record ChannelSpec(
    String name, String uri, String contentType, DataDistribution distribution, Compression compression,
    S3DataType dataType, List<String> attributeNames) {
  /** SageMaker's limit on AttributeNames (the service model's AttributeNames shape). */
  public static final int MAX_ATTRIBUTE_NAMES = 16;
  /** SageMaker's limit on one attribute name (the AttributeName shape). */
  public static final int MAX_ATTRIBUTE_NAME_LENGTH = 256;

  public ChannelSpec {
    if (name == null || !Names.CHANNEL_NAME.matcher(name).matches()) {
      throw KilnException.user("Invalid channel name '" + io.kiln.spi.Messages.echo(name)
          + "': use 1 to 64 letters, digits, '.', '-' or '_' (SageMaker's ChannelName rule)");
    }
    if (uri == null || uri.isBlank()) {
      throw KilnException.user("Channel '" + name + "' has no URI");
    }
    SpecUris.check(uri, "channel '" + name + "' uri (DataSource.S3DataSource.S3Uri)");
    if (distribution == null) {
      distribution = DataDistribution.FullyReplicated;
    }
    if (compression == null) {
      compression = Compression.None;
    }
    if (dataType == null) {
      dataType = S3DataType.S3Prefix;
    }
    attributeNames = attributeNames == null ? List.of() : List.copyOf(attributeNames);
    if (dataType != S3DataType.S3Prefix && uri.trim().endsWith("/")) {
      throw KilnException.user("Channel '" + name + "' has dataType (S3DataType) " + dataType + ", but its uri "
          + "(S3Uri) " + uri + " ends with '/': name the manifest object itself (e.g. s3://bucket/train.manifest), "
          + "or use S3Prefix for the objects under a prefix");
    }
    if (dataType == S3DataType.AugmentedManifestFile) {
      if (attributeNames.isEmpty()) {
        throw KilnException.user("Channel '" + name + "' has dataType (S3DataType) AugmentedManifestFile but no "
            + "attributeNames (AttributeNames): list the attributes of each line the algorithm reads, in order, "
            + "e.g. [source-ref, class]");
      }
    } else if (!attributeNames.isEmpty()) {
      throw KilnException.user("Channel '" + name + "' sets attributeNames (AttributeNames), which only an "
          + "AugmentedManifestFile channel takes, but its dataType (S3DataType) is " + dataType
          + "; remove attributeNames or set dataType to AugmentedManifestFile");
    }
    if (attributeNames.size() > MAX_ATTRIBUTE_NAMES) {
      throw KilnException.user("Channel '" + name + "' has " + attributeNames.size() + " attributeNames "
          + "(AttributeNames); SageMaker allows at most " + MAX_ATTRIBUTE_NAMES);
    }
    for (int i = 0; i < attributeNames.size(); i++) {
      String a = attributeNames.get(i);
      if (a == null || a.isEmpty() || a.length() > MAX_ATTRIBUTE_NAME_LENGTH) {
        throw KilnException.user("Channel '" + name + "' has attributeNames[" + i + "] (AttributeNames) '"
            + (a == null ? "" : a) + "'; an attribute name is 1 to " + MAX_ATTRIBUTE_NAME_LENGTH + " characters");
      }
    }
  }

  /** A channel of the objects under a key prefix (S3Prefix). */
  public ChannelSpec(String name, String uri, String contentType, DataDistribution distribution,
      Compression compression) {
    this(name, uri, contentType, distribution, compression, S3DataType.S3Prefix, List.of());
  }

  /** SageMaker's CompressionType. */
  public enum Compression {
    None,
    Gzip
  }
}
