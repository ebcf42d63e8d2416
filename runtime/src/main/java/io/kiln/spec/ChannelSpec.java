package io.kiln.spec;

import io.kiln.spi.DataDistribution;
import io.kiln.spi.KilnException;

/**
 * One input channel.
 *
 * @param name the channel name (SageMaker's ChannelName rule)
 * @param uri an S3 key prefix ({@code s3://}, {@code s3a://}) or a {@code file://} path prefix
 * @param contentType the MIME type as written, or null for the algorithm's default
 * @param distribution FullyReplicated or ShardedByS3Key
 * @param compression None or Gzip
 */
public record ChannelSpec(
    String name, String uri, String contentType, DataDistribution distribution, Compression compression) {

  public ChannelSpec {
    if (name == null || !Names.CHANNEL_NAME.matcher(name).matches()) {
      throw KilnException.user("Invalid channel name '" + io.kiln.spi.Messages.echo(name)
          + "': use 1 to 64 letters, digits, '.', '-' or '_' (SageMaker's ChannelName rule)");
    }
    if (uri == null || uri.isBlank()) {
      throw KilnException.user("Channel '" + name + "' has no URI");
    }
    UserUris.check(uri, "channel '" + name + "' uri (DataSource.S3DataSource.S3Uri)");
    if (distribution == null) {
      distribution = DataDistribution.FullyReplicated;
    }
    if (compression == null) {
      compression = Compression.None;
    }
  }

  /** SageMaker's CompressionType. */
  public enum Compression {
    None,
    Gzip
  }
}
