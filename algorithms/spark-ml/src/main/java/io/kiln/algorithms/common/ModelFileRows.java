package io.kiln.algorithms.common;

import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the built-ins' predictors share: reading their one JSON model file
 * from an unpacked model.tar.gz, and a batch of {@code kiln predict} rows as dense rows with missing
 * values refused.
 */
public final class ModelFileRows {
  private ModelFileRows() {}

  /** Parses a model file's bytes; may throw what a JSON reader throws. */
  @FunctionalInterface
  public interface Parser<M> {
    M parse(byte[] json) throws IOException;
  }

  /**
   * Reads {@code modelDirectory/file} with {@code parser}.
   *
   * @param algorithm the algorithm's name in messages (e.g. "K-Means")
   * @param image SageMaker's image name of the job that writes such a model (e.g. "kmeans")
   * @throws KilnException USER when the file is missing or does not parse (naming the file and the
   *     fix), INTERNAL when it cannot be read
   */
  public static <M> M read(Path modelDirectory, String file, String algorithm, String image, Parser<M> parser) {
    Path path = modelDirectory.resolve(file);
    String fix = "give the model.tar.gz a " + image + " training job wrote";
    if (!Files.isRegularFile(path)) {
      throw KilnException.user("The model directory holds no " + file + " file, which a " + algorithm
          + " model.tar.gz holds; " + fix);
    }
    byte[] json;
    try {
      json = Files.readAllBytes(path);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + path + ": " + e.getMessage(), e);
    }
    try {
      return parser.parse(json);
    } catch (IOException | RuntimeException e) {
      throw KilnException.user(file + ": " + e.getMessage() + "; " + fix, e);
    }
  }

  /**
   * {@code rows × columns} row-major features as rows.
   *
   * @throws KilnException USER naming the row (from 0) and feature (from 1) of the first missing
   *     value (NaN): the algorithm takes none, as its training refuses them
   */
  public static float[][] denseRows(float[] features, int rows, int columns, String algorithm) {
    float[][] batch = new float[rows][columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * columns, batch[r], 0, columns);
      for (int j = 0; j < columns; j++) {
        if (Float.isNaN(batch[r][j])) {
          throw KilnException.user("Row " + r + ": feature " + (j + 1) + " is missing; " + algorithm
              + " takes no missing values (training refuses them too): impute or drop the value");
        }
      }
    }
    return batch;
  }
}
