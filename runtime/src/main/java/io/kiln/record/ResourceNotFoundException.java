package io.kiln.record;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;

/**
 * No job of that name under the job root: SageMaker's {@code ResourceNotFound} error. Every
 * {@code kiln} command that names a job exits with code 4 on it.
 */
public final class ResourceNotFoundException extends KilnException {
  private static final long serialVersionUID = 1L;

  private ResourceNotFoundException(String message) {
    super(ErrorType.USER, message);
  }

  /**
   * @param kind {@code training job} or {@code tuning job}
   * @param name the name asked for
   * @param root the job root searched, as the user gave it with any credentials masked
   *     ({@link JobStore#shownRoot()}, {@link RecordStore#shownRoot()}), never a secret
   */
  public static ResourceNotFoundException of(String kind, String name, String root) {
    return new ResourceNotFoundException("ResourceNotFound: no " + kind + " named '" + name + "' in " + root
        + " (see 'kiln list --job-root " + root + "')");
  }
}
