package io.kiln.algorithms.linear;

import io.kiln.algorithms.common.ModelFileRows;
import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Batch prediction ({@code kiln predict}) with a Linear Learner model.tar.gz ({@value
 * LinearLearnerModel#FILE}), through {@link LinearLearnerModel}: the same numbers as
 * {@link LinearLearnerModel#predict}, as {@link Predictions} in the fields and order of SageMaker's
 * Linear Learner inference response (https://docs.aws.amazon.com/sagemaker/latest/dg/LL-in-formats.html):
 * <ul>
 *   <li>binary classifier: {@code score} (a number), {@code predicted_label} (0 or 1);
 *   <li>multiclass classifier: {@code score} (the num_classes probabilities), {@code predicted_label}
 *       (the most probable class);
 *   <li>regressor: {@code score}.
 * </ul>
 * The runtime writes these as JSON Lines ({@code {"score": 0.4, "predicted_label": 0}}, SageMaker's
 * documented JSONLINES response) or as CSV, the fields in the same order ({@code 0.4,0}); SageMaker
 * documents no CSV response for Linear Learner (docs/built-ins.md says why Kiln writes this one).
 *
 * <p>Rows must have the model's {@code feature_dim} features (the runtime checks the width); a
 * missing value (NaN) is refused as a USER error naming the row and feature, as training refuses it.
 */
final class LinearLearnerPredictor implements Predictor {
  private final LinearLearnerModel model;

  LinearLearnerPredictor(Path modelDirectory) {
    model = ModelFileRows.read(modelDirectory, LinearLearnerModel.FILE, "Linear Learner", "linear-learner",
        LinearLearnerModel::read);
  }

  @Override
  public OptionalInt featureCount() {
    return OptionalInt.of(model.featureDim());
  }

  @Override
  public Predictions predict(float[] features, int rows, int columns) {
    float[] row = new float[columns];
    double[] score = new double[rows];
    double[][] probabilities = new double[rows][];
    long[] label = new long[rows];
    String type = model.predictorType();
    for (int r = 0; r < rows; r++) {
      System.arraycopy(features, r * columns, row, 0, columns);
      for (int j = 0; j < columns; j++) {
        if (Float.isNaN(row[j])) {
          throw KilnException.user("Row " + r + ": feature " + (j + 1) + " is missing; Linear Learner takes no "
              + "missing values (training refuses them too): impute or drop the value");
        }
      }
      double[] o = model.outputs(row);
      switch (type) {
        case LinearLearnerHyperparameters.BINARY -> {
          score[r] = model.binaryScore(o[0]);
          label[r] = model.binaryLabel(score[r]);
        }
        case LinearLearnerHyperparameters.MULTICLASS -> {
          probabilities[r] = LinearLearnerModel.softmax(o);
          label[r] = LinearLearnerModel.argmax(probabilities[r]);
        }
        default -> score[r] = o[0];
      }
    }
    return switch (type) {
      case LinearLearnerHyperparameters.BINARY -> new Predictions(rows, List.of(
          new Predictions.Numbers("score", score), new Predictions.Integers("predicted_label", label)));
      case LinearLearnerHyperparameters.MULTICLASS -> new Predictions(rows, List.of(
          new Predictions.Vectors("score", probabilities), new Predictions.Integers("predicted_label", label)));
      default -> new Predictions(rows, List.of(new Predictions.Numbers("score", score)));
    };
  }

  @Override
  public void close() {
    // nothing held beyond the heap
  }
}
