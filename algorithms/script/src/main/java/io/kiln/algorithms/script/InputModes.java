package io.kiln.algorithms.script;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.nio.file.Path;

/**
 * SageMaker's TrainingInputMode for a script job's channels (the job's {@code TrainingInputMode},
 * Kiln's {@code algorithm.inputMode}), written into {@code inputdataconfig.json} as given:
 *
 * <ul>
 *   <li>{@code File}: each channel's objects are files under {@code input/data/<channel>/} before the
 *       script starts.
 *   <li>{@code FastFile}: the same files at the same paths (SageMaker streams them from S3 on first
 *       read; Kiln downloads them first, which a script cannot tell apart except by the wait).
 *   <li>{@code Pipe}: FIFOs {@code input/data/<channel>_<epoch>} ({@link PipeChannels}).
 * </ul>
 */
final class InputModes {
  static final String FILE = "File";
  static final String FAST_FILE = "FastFile";
  static final String PIPE = "Pipe";

  private InputModes() {}

  /**
   * The job's input mode, checked.
   *
   * @throws KilnException USER naming the field when it is not one of SageMaker's three
   */
  static String of(String mode) {
    if (mode == null) {
      return FILE;
    }
    if (mode.equals(FILE) || mode.equals(FAST_FILE) || mode.equals(PIPE)) {
      return mode;
    }
    throw KilnException.user("TrainingInputMode (algorithm.inputMode) '" + Messages.echo(mode) + "' is not File, "
        + "FastFile or Pipe");
  }

  /** Where a Pipe channel's objects wait to be streamed: outside {@code input/data}, under the worker's root. */
  static Path pipeStaging(Path root, String channel) {
    return root.resolve(".kiln-pipe").resolve(channel);
  }
}
