package io.kiln.spi;

import java.util.List;

/**
 * An input channel an algorithm reads.
 *
 * @param name the channel name, e.g. {@code train}
 * @param required whether a job without it is refused
 * @param contentTypes the content types accepted, canonical form first
 * @param defaultContentType used when a channel gives none
 * @param augmentedManifest whether the channel may be an AugmentedManifestFile, which worker code
 *     reads with {@link WorkerContext#augmentedManifest} (its ContentType then names what the
 *     records describe, e.g. the images their {@code source-ref}s point to); a job giving one to a
 *     channel without it is refused. ManifestFile channels are read by the runtime and need no
 *     declaration.
 */
public record ChannelRequirement(
    String name, boolean required, List<ContentType> contentTypes, ContentType defaultContentType,
    boolean augmentedManifest) {
  public ChannelRequirement {
    contentTypes = List.copyOf(contentTypes);
  }

  /** The name of a requirement that stands for every channel the algorithm does not name itself. */
  public static final String ANY_CHANNEL = "*";

  /**
   * Channels of any name and any ContentType, each read as whole objects ({@link ContentType#ANY}),
   * none required: what a user's script reads (SageMaker's script mode).
   */
  public static ChannelRequirement anyChannel() {
    return new ChannelRequirement(ANY_CHANNEL, false, List.of(ContentType.ANY), ContentType.ANY, false);
  }

  /** A channel that may not be an AugmentedManifestFile. */
  public ChannelRequirement(String name, boolean required, List<ContentType> contentTypes,
      ContentType defaultContentType) {
    this(name, required, contentTypes, defaultContentType, false);
  }

  /** The same channel, which may also be an AugmentedManifestFile. */
  public ChannelRequirement withAugmentedManifest() {
    return new ChannelRequirement(name, required, contentTypes, defaultContentType, true);
  }
}
