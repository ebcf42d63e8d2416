package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.Algorithm;
import io.kiln.testing.AlgorithmContractTest;
import io.kiln.testing.SharedData;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/** XGBoost passes the contract every built-in passes. */
class XGBoostContractTest extends AlgorithmContractTest {
  private static final List<String> ROWS = SharedData.breastCancer();

  private static ChannelData csv(List<String> lines) {
    return new ChannelData("text/csv", Map.of("data.csv",
        (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  protected Algorithm<?> algorithm() {
    return new XGBoostAlgorithm();
  }

  @Override
  protected String trainingImage() {
    return "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
  }

  @Override
  protected Map<String, ChannelData> smokeChannels() {
    int cut = ROWS.size() * 4 / 5;
    return Map.of("train", csv(ROWS.subList(0, cut)), "validation", csv(ROWS.subList(cut, ROWS.size())));
  }

  @Override
  protected Map<String, String> smokeHyperparameters() {
    return Map.of("num_round", "10", "objective", "binary:logistic", "max_depth", "3", "eval_metric", "auc");
  }

  @Override
  protected Map<String, String> longHyperparameters() {
    return Map.of("num_round", "3000", "objective", "binary:logistic", "max_depth", "6", "eta", "0.01",
        "eval_metric", "logloss");
  }

  @Override
  protected int checkpointIntervalRounds() {
    return 200;
  }

  @Override
  protected BadJob badHyperparameter() {
    return new BadJob(Map.of("num_round", "10", "objective", "binary:logistic", "max_depth", "-1"), smokeChannels(),
        List.of("max_depth=-1"));
  }

  @Override
  protected BadJob badData() {
    List<String> lines = List.of("1,0.5,2.5", "0,1.5,3.5", "1,x,4.5");
    return new BadJob(Map.of("num_round", "5", "objective", "binary:logistic"), Map.of("train", csv(lines)),
        List.of("data.csv line 3", "'x'"));
  }

  @Override
  protected void checkArtifact(Map<String, byte[]> modelFiles) throws Exception {
    byte[] model = modelFiles.get(XGBoostAlgorithm.MODEL_FILE);
    assertThat(model).as("model.tar.gz holds %s", XGBoostAlgorithm.MODEL_FILE).isNotNull();
    Booster booster = XGBoost.loadModel(new ByteArrayInputStream(model));
    String[] first = ROWS.get(0).split(",");
    float[] features = new float[first.length - 1];
    for (int i = 1; i < first.length; i++) {
      features[i - 1] = Float.parseFloat(first[i]);
    }
    DMatrix row = new DMatrix(features, 1, features.length, Float.NaN);
    try {
      float p = booster.predict(row)[0][0];
      assertThat(p).isBetween(0f, 1f);
    } finally {
      row.dispose();
      booster.dispose();
    }
  }
}
