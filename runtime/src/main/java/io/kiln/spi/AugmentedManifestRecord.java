package io.kiln.spi;

import java.util.List;

/**
 * One line of an AugmentedManifestFile channel, parsed: the attributes the channel's AttributeNames
 * select, in that order. The runtime has checked that the line is a JSON object holding every one
 * of them (null counts as missing), and that an attribute whose name ends in {@code -ref}
 * ({@code source-ref}, SageMaker's convention for data stored in its own object) is an object URI
 * ({@link #object}).
 *
 * <p>A method that finds an attribute unfit for its use throws {@link BadRecordException}; thrown
 * from an {@link AugmentedManifestHandler}, it fails the job as a user error naming the channel, the
 * manifest and the line.
 *
 * <p>Format: <a href="https://docs.aws.amazon.com/sagemaker/latest/dg/augmented-manifest.html">
 * SageMaker's augmented manifest files</a>, e.g. with AttributeNames {@code [source-ref, class]}:
 * {@code {"source-ref": "s3://bucket/cats/1.jpg", "class": 0, "other": "ignored"}}.
 */
public interface AugmentedManifestRecord {

  /** The line's number in the manifest, from 1. */
  long line();

  /** The channel's AttributeNames, in order: the attributes this record holds. */
  List<String> attributeNames();

  /**
   * An attribute's value as JSON text, exactly as parsed ({@code 0}, {@code "a cat"} with its
   * quotes, {@code {"annotations": [...]}}).
   *
   * @throws IllegalArgumentException for a name that is not one of {@link #attributeNames()}
   */
  String json(String attribute);

  /**
   * A string attribute's text, without quotes; a number or boolean attribute's JSON text
   * ({@code 0}, {@code true}).
   *
   * @throws BadRecordException when the value is an object or a list
   * @throws IllegalArgumentException for a name that is not one of {@link #attributeNames()}
   */
  String text(String attribute);

  /**
   * The object a string attribute names by URI ({@code source-ref}), opened as the channel's own
   * objects are ({@link WorkerContext#objects}): decompressed when the channel's CompressionType is
   * Gzip. The URI may name any bucket the job can read ({@code s3://}, {@code s3a://}; a
   * {@code file:} URI only in a manifest that is itself a local file); its key is the object's path
   * in its bucket. Its size is looked up on first use; a missing object fails the job as a user
   * error naming the manifest, the line, the attribute and the URI.
   *
   * @throws BadRecordException when the value is not such a URI: another scheme, no bucket, an
   *     empty key, a key ending in {@code /}, or an empty, {@code .} or {@code ..} path segment
   * @throws IllegalArgumentException for a name that is not one of {@link #attributeNames()}
   */
  ChannelObject object(String attribute);
}
