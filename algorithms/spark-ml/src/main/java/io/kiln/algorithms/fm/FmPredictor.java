package io.kiln.algorithms.fm;

import io.kiln.algorithms.common.ModelFileRows;
import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Batch prediction ({@code kiln predict}) with a Factorization Machines model.tar.gz ({@value
 * FmModel#FILE}), through {@link FmModel}: the numbers of {@link FmModel#predict}, as
 * {@link Predictions} in the fields and order of SageMaker's Factorization Machines inference
 * response (https://docs.aws.amazon.com/sagemaker/latest/dg/fm-in-formats.html): a binary classifier
 * {@code score} (a probability) and {@code predicted_label} (0 or 1); a regressor {@code score}.
 *
 * <p>Rows must have the model's {@code feature_dim} features (the runtime checks the width); a
 * missing value (NaN) is refused as a USER error naming the row and feature, as training refuses it.
 */
final class FmPredictor implements Predictor {
  private final FmModel model;

  FmPredictor(Path modelDirectory) {
    model = ModelFileRows.read(modelDirectory, FmModel.FILE, "Factorization Machines", "factorization-machines",
        FmModel::read);
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[] row = new float[columns];
    double[] score = new double[rows];
    long[] label = new long[rows];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * columns, row, 0, columns);
      for (int j = 0; j < columns; j++) {
        if (Float.isNaN(row[j])) {
          throw KilnException.user("Row " + r + ": feature " + (j + 1) + " is missing; Factorization Machines takes "
              + "no missing values (training refuses them too): impute or drop the value");
        }
      }
      score[r] = model.score(model.output(row));
      label[r] = score[r] >= 0.5 ? 1 : 0;
    }
    if (model.predictorType().equals(FmHyperparameters.BINARY)) {
      return new Predictions(rows, List.of(new Predictions.Numbers("score", score),
          new Predictions.Integers("predicted_label", label)));
    }
    return new Predictions(rows, List.of(new Predictions.Numbers("score", score)));
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
