package io.kiln.algorithms.kmeans;

import io.kiln.algorithms.common.ModelFileRows;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
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
    model = ModelFileRows.read(modelDirectory, KMeansModel.FILE, "K-Means", "kmeans", KMeansModel::read);
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[][] batch = ModelFileRows.denseRows(features, rows, columns, "K-Means");
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
