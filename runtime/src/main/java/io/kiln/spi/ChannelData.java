package io.kiln.spi;

import java.util.List;

/**
 * A channel after listing: what it holds and how it is read.
 *
 * @param name the channel name
 * @param uri the prefix as the user wrote it
 * @param contentType the data format
 * @param distribution how objects are shared among workers
 * @param gzip whether every object is gzip-compressed
 * @param objects the matching objects, sorted by key
 */
public record ChannelData(
    String name,
    String uri,
    ContentType contentType,
    DataDistribution distribution,
    boolean gzip,
    List<DataObject> objects) {
  public ChannelData {
    objects = List.copyOf(objects);
  }

  public long totalBytes() {
    return objects.stream().mapToLong(DataObject::size).sum();
  }
}
