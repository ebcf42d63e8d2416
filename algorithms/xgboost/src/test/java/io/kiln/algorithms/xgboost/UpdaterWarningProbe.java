package io.kiln.algorithms.xgboost;

import java.util.HashMap;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

/**
 * A fresh JVM's first XGBoost rounds with row sampling, for {@link XGBoostNoiseTest}: {@code kiln}
 * boosts as Kiln's worker does (its own alternating updaters), {@code user} sets the same updaters as a
 * user would. XGBoost writes its warnings to the process's stderr from native code, which only a
 * separate process lets a test read.
 */
public final class UpdaterWarningProbe {
  private UpdaterWarningProbe() {}

  public static void main(String[] args) throws Exception {
    boolean kiln = args[0].equals("kiln");
    int n = 200;
    float[] x = new float[n * 3];
    float[] y = new float[n];
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < 3; j++) {
        x[i * 3 + j] = r.nextFloat();
      }
      y[i] = x[i * 3] > 0.5 ? 1 : 0;
    }
    DMatrix train = new DMatrix(x, n, 3, Float.NaN);
    train.setLabel(y);
    Map<String, String> raw = new HashMap<>(Map.of("num_round", "4", "objective", "binary:logistic",
        "subsample", "0.8"));
    if (!kiln) {
      raw.put("updater", "grow_quantile_histmaker,refresh");
    }
    XGBoostHyperparameters hp = XGBoostHyperparameters.parse(raw);
    Map<String, Object> params = new HashMap<>(hp.boosterParams());
    params.put("seed_per_iteration", "true");
    params.put("refresh_leaf", "0");
    Booster booster = XGBoost.train(train, params, 0, new HashMap<>(), null, null);
    String[] updaters = XGBoostWorker.alternatingUpdaters(hp);
    for (int round = 0; round < hp.numRound(); round++) {
      XGBoostWorker.boost(booster, train, round, updaters, round == 0, "1");
    }
    System.out.println("trained " + booster.getNumBoostedRound() + " rounds with updaters "
        + (updaters == null ? "set by the user" : String.join(" / ", updaters)));
    booster.dispose();
    train.dispose();
  }
}
