package io.kiln.algorithms.xgboost;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.Predictions;
import io.kiln.spi.Predictor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * Batch prediction with Kiln's XGBoost model ({@code xgboost-model}, XGBoost JSON), as SageMaker's
 * XGBoost container serves it in Batch Transform: {@code Booster.predict} on a DMatrix whose missing
 * value is NaN (the container reads an empty CSV cell as {@code nan}), one thread per booster (the
 * container sets {@code nthread} 1; Spark runs a task per core), the whole model (Kiln saves the best
 * round's model already, so there is no {@code best_ntree_limit} to apply).
 *
 * <p>One output, {@code score} (the container's JSON key): a number per row for binary, regression
 * and ranking objectives and {@code multi:softmax} (the class as a float, {@code 2.0}), the class
 * probability vector for {@code multi:softprob} (the container writes {@code str(list)}, {@code [0.1,
 * 0.2, 0.7]}). Values are XGBoost's float32 predictions, widened to double as numpy's {@code
 * tolist()} does.
 */
final class XGBoostPredictor implements Predictor {
  private final Booster booster;
  private final int features;

  XGBoostPredictor(Path modelDirectory) {
    Path file = modelDirectory.resolve(XGBoostAlgorithm.MODEL_FILE);
    if (!Files.isRegularFile(file)) {
      throw KilnException.user("The model directory holds no " + XGBoostAlgorithm.MODEL_FILE + " file, which an "
          + "XGBoost model.tar.gz holds");
    }
    refuseLegacyFormats(file);
    try (InputStream in = Files.newInputStream(file)) {
      booster = XGBoost.loadModel(in);
    } catch (XGBoostError e) {
      throw KilnException.user("XGBoost cannot load " + XGBoostAlgorithm.MODEL_FILE + ": "
          + NativeErrors.message(e.getMessage()) + "; give the model.tar.gz an XGBoost training job wrote", e);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      booster.setParam("nthread", 1);
      features = (int) booster.getNumFeature();
    } catch (XGBoostError e) {
      booster.dispose();
      throw NativeErrors.translate(e);
    }
  }

  /**
   * SageMaker's XGBoost 1.x containers save {@code xgboost-model} in XGBoost's old binary format
   * (starting {@code binf}) or, in framework mode, as a Python pickle; XGBoost 3, which Kiln runs,
   * loads neither (JSON or UBJSON only). Says so, with the conversion, instead of XGBoost's
   * "Unknown construct".
   */
  private static void refuseLegacyFormats(Path file) {
    byte[] head = new byte[4];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, 4);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + file + ": " + e.getMessage(), e);
    }
    String convert = "; convert it with native XGBoost (python: b = xgboost.Booster(model_file='xgboost-model'); "
        + "b.save_model('model.json')), then put model.json in a model.tar.gz as xgboost-model";
    if (n == 4 && head[0] == 'b' && head[1] == 'i' && head[2] == 'n' && head[3] == 'f') {
      throw KilnException.user(XGBoostAlgorithm.MODEL_FILE + " is in XGBoost's old binary format (as SageMaker's "
          + "XGBoost 1.x containers save it), which XGBoost 3 cannot load" + convert);
    }
    if (n >= 1 && (head[0] & 0xff) == 0x80) {
      throw KilnException.user(XGBoostAlgorithm.MODEL_FILE + " is a Python pickle (as SageMaker's XGBoost "
          + "framework mode saves it), which Kiln does not load; unpickle it in Python and save_model it as JSON"
          + convert.substring(convert.indexOf(')') + 1));
    }
  }

  @Override
  public OptionalInt featureCount() {
    return features > 0 ? OptionalInt.of(features) : OptionalInt.empty();
  }

  @Override
  public Predictions predict(float[] values, int rows, int columns) {
    DMatrix m = null;
    try {
      m = new DMatrix(values, rows, columns, Float.NaN);
      float[][] p = booster.predict(m);
      if (p.length > 0 && p[0].length > 1) {
        double[][] v = new double[rows][];
        for (int r = 0; r < rows; r++) {
          v[r] = new double[p[r].length];
          for (int k = 0; k < p[r].length; k++) {
            v[r][k] = p[r][k];
          }
        }
        return new Predictions(rows, List.of(new Predictions.Vectors("score", v)));
      }
      double[] v = new double[rows];
      for (int r = 0; r < rows; r++) {
        v[r] = p[r][0];
      }
      return new Predictions(rows, List.of(new Predictions.Numbers("score", v)));
    } catch (XGBoostError e) {
      KilnException k = NativeErrors.translate(e);
      throw new KilnException(k.type(), k.type() == ErrorType.USER ? "XGBoost refused the rows: "
          + NativeErrors.message(e.getMessage()) : k.getMessage(), e);
    } finally {
      if (m != null) {
        m.dispose();
      }
    }
  }

  @Override
  public void close() {
    booster.dispose();
  }
}
