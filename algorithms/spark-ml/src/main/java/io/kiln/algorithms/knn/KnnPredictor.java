package io.kiln.algorithms.knn;

import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Batch prediction ({@code kiln predict}) with a k-NN model.tar.gz, through {@link KnnModel}: one
 * field, {@code predicted_label} (a classifier's voted label, a regressor's mean of the k labels), as
 * SageMaker's k-NN inference response names it
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/kNN-inference-formats.html: {@code {"predicted_label": 0.0}}).
 * Rows must have the model's feature_dim features (the runtime checks the width); a missing value is
 * refused naming the row and feature, as training refuses it.
 */
final class KnnPredictor implements Predictor {
  private final KnnModel model;

  KnnPredictor(Path modelDirectory) {
    model = KnnModel.read(modelDirectory);
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[][] q = new float[rows][columns];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * columns, q[r], 0, columns);
      for (int j = 0; j < columns; j++) {
        if (Float.isNaN(q[r][j])) {
          throw KilnException.user("Row " + r + ": feature " + (j + 1) + " is missing; k-NN takes no missing values "
              + "(training refuses them too): impute or drop the value");
        }
      }
    }
    double[] label = new double[rows];
    List<java.util.Map<String, Object>> out = model.predict(q);
    for (int r = 0; r < rows; r++) {
      label[r] = (Double) out.get(r).get("predicted_label");
    }
    return new Predictions(rows, List.of(new Predictions.Numbers("predicted_label", label)));
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
