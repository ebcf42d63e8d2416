package io.kiln.spi;

import java.util.List;

/**
 * An input channel an algorithm reads.
 *
 * @param name the channel name, e.g. {@code train}
 * @param required whether a job without it is refused
 * @param contentTypes the content types accepted, canonical form first
 * @param defaultContentType used when a channel gives none
 */
public record ChannelRequirement(
    String name, boolean required, List<ContentType> contentTypes, ContentType defaultContentType) {
  public ChannelRequirement {
    contentTypes = List.copyOf(contentTypes);
  }
}
