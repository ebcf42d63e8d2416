package io.kiln.spi;

/**
 * Takes the records of an AugmentedManifestFile channel one at a time
 * ({@link WorkerContext#augmentedManifest}).
 *
 * <p>To refuse a record, throw {@link BadRecordException} with what is wrong and the fix: the
 * runtime turns it into a user error naming the channel, the manifest and the line. A
 * {@link KilnException} passes unchanged; any other exception fails the job as an error of the
 * algorithm.
 */
@FunctionalInterface
public interface AugmentedManifestHandler {

  /** One line of the manifest, parsed. */
  void record(AugmentedManifestRecord record) throws Exception;
}
