package io.kiln.algorithms.pca;

import io.kiln.algorithms.common.ModelFileRows;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Batch prediction ({@code kiln predict}) with a PCA model.tar.gz ({@value PcaModel#FILE}), through
 * {@link PcaModel#predict}: per row {@code projection}, the num_components float32 values
 * {@code (x - mean)·v} (the largest component last, SageMaker's order), the one field of SageMaker's
 * PCA inference response (https://docs.aws.amazon.com/sagemaker/latest/dg/PCA-in-formats.html). The
 * runtime writes JSON Lines ({@code {"projection": [1.0, 2.0]}}, SageMaker's JSONLINES response) or
 * CSV, the vector as Python writes a list ({@code [1.0, 2.0]}, bare as the only field; SageMaker
 * documents no CSV response for PCA).
 *
 * <p>Rows must have the model's {@code feature_dim} features (the runtime checks the width); a missing
 * value (NaN) is refused as a USER error naming the row and feature, as training refuses it.
 */
final class PcaPredictor implements Predictor {
  private final PcaModel model;

  PcaPredictor(Path modelDirectory) {
    model = ModelFileRows.read(modelDirectory, PcaModel.FILE, "PCA", "pca", PcaModel::read);
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[][] batch = ModelFileRows.denseRows(features, rows, columns, "PCA");
    List<Map<String, Object>> out = model.predict(batch);
    double[][] projection = new double[rows][];
    for (int r = 0; r < rows; r++) {
      float[] p = (float[]) out.get(r).get("projection");
      projection[r] = new double[p.length];
      for (int j = 0; j < p.length; j++) {
        projection[r][j] = p[j]; // float32 widened, as numpy's tolist() gives it
      }
    }
    return new Predictions(rows, List.of(new Predictions.Vectors("projection", projection)));
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
