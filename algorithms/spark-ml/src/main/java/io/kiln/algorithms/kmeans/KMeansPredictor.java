package io.kiln.algorithms.kmeans;

import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Batch prediction ({@code kiln predict}) with a K-Means model.tar.gz ({@value KMeansModel#FILE}),
 * through {@link KMeansModel#predict}: per row {@code closest_cluster} (the 0-based index of the
 * nearest centroid, a float as SageMaker writes it: {@code 1.0}) and {@code distance_to_cluster} (the
 * Euclidean distance to it, float32), the fields and order of SageMaker's K-Means inference response
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/km-in-formats.html). The runtime writes them as
 * JSON Lines ({@code {"closest_cluster": 1.0, "distance_to_cluster": 3.0}}, SageMaker's JSONLINES
 * response) or CSV ({@code 1.0,3.0}, SageMaker's CSV response: the same two values in that order).
 *
 * <p>Rows must have the model's {@code feature_dim} features (the runtime checks the width); a missing
 * value (NaN) is refused as a USER error naming the row and feature, as training refuses it.
 */
final class KMeansPredictor implements Predictor {
  private final KMeansModel model;

  KMeansPredictor(Path modelDirectory) {
    Path file = modelDirectory.resolve(KMeansModel.FILE);
    if (!Files.isRegularFile(file)) {
      throw KilnException.user("The model directory holds no " + KMeansModel.FILE + " file, which a K-Means "
          + "model.tar.gz holds; give the model.tar.gz a kmeans training job wrote");
    }
    byte[] json;
    try {
      json = Files.readAllBytes(file);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      model = KMeansModel.read(json);
    } catch (IOException | RuntimeException e) {
      throw KilnException.user(KMeansModel.FILE + ": " + e.getMessage()
          + "; give the model.tar.gz a kmeans training job wrote", e);
    }
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[][] batch = new float[rows][columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * columns, batch[r], 0, columns);
      for (int j = 0; j < columns; j++) {
        if (Float.isNaN(batch[r][j])) {
          throw KilnException.user("Row " + r + ": feature " + (j + 1) + " is missing; K-Means takes no missing "
              + "values (training refuses them too): impute or drop the value");
        }
      }
    }
    List<Map<String, Object>> out = model.predict(batch);
    double[] cluster = new double[rows];
    double[] distance = new double[rows];
    for (int r = 0; r < rows; r++) {
      cluster[r] = (Float) out.get(r).get("closest_cluster");
      distance[r] = (Float) out.get(r).get("distance_to_cluster");
    }
    return new Predictions(rows, List.of(new Predictions.Numbers("closest_cluster", cluster),
        new Predictions.Numbers("distance_to_cluster", distance)));
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
