package io.kiln.runner;

import io.kiln.storage.Store;
import io.kiln.storage.TarGz;
import java.nio.file.Path;

/**
 * Packs a model directory into {@code model.tar.gz}, as SageMaker tars {@code /opt/ml/model}: the
 * directory's files at the top level of the archive, in name order (see {@link TarGz}).
 */
public final class ModelArchive {
  private ModelArchive() {}

  /** Streams the files of a local {@code modelDirectory} as a tar.gz to {@code uri}, all-or-nothing. */
  public static void write(Path modelDirectory, Store store, String uri) {
    TarGz.write(modelDirectory, store, uri);
  }
}
