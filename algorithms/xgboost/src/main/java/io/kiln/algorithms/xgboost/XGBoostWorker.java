package io.kiln.algorithms.xgboost;

import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.Communicator;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * XGBoost's training loop on one worker. Every worker reads its share of the channels straight into
 * a DMatrix, joins XGBoost's collective, and boosts one round at a time: after each round it
 * evaluates, reports the metrics to the driver and follows the driver's directive. Rank 0 returns
 * the model.
 */
final class XGBoostWorker implements WorkerFunction<XGBoostWorker.Result> {
  private static final long serialVersionUID = 1L;

  private final XGBoostHyperparameters hp;
  private final Map<String, Object> communicator;
  private final boolean validation;
  private final Map<String, String> contentTypes;

  XGBoostWorker(XGBoostHyperparameters hp, Map<String, Object> communicator, boolean validation) {
    this(hp, communicator, validation, Map.of());
  }

  /** @param contentTypes each channel's MIME type (text/csv ...), for messages about its columns */
  XGBoostWorker(XGBoostHyperparameters hp, Map<String, Object> communicator, boolean validation,
      Map<String, String> contentTypes) {
    this.hp = hp;
    this.communicator = new LinkedHashMap<>(communicator);
    this.validation = validation;
    this.contentTypes = new LinkedHashMap<>(contentTypes);
  }

  /**
   * What a worker returns.
   *
   * @param model the booster in XGBoost's JSON format (rank 0 only, else null)
   * @param rounds rounds in the model
   * @param finalMetrics the last round's metrics
   * @param stopped whether a directive or early stopping ended training before num_round
   */
  record Result(byte[] model, int rounds, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) throws XGBoostError, java.io.IOException {
    boolean distributed = ctx.workers() > 1;
    if (distributed) {
      Map<String, Object> env = new LinkedHashMap<>(communicator);
      env.put("DMLC_TASK_ID", Integer.toString(ctx.rank()));
      Communicator.init(env);
    }
    List<DMatrix> matrices = new ArrayList<>();
    Booster booster = null;
    // the service starts looking for the newest checkpoint now, while the data is read
    Checkpointing checkpoints = ctx.checkpointing();
    try {
      ReadOptions options = ReadOptions.labelled(hp.csvWeights());
      LabeledData trainData = queryGroups(ctx, "train", ctx.read("train", options));
      DMatrix train = dmatrix(trainData);
      matrices.add(train);
      List<String> names = new ArrayList<>(List.of("train"));
      List<LabeledData> data = new ArrayList<>(List.of(trainData));
      if (validation) {
        LabeledData v = queryGroups(ctx, "validation", ctx.read("validation", options));
        checkSameColumns(trainData, v);
        matrices.add(dmatrix(v));
        names.add("validation");
        data.add(v);
      }
      Map<String, Object> params = new LinkedHashMap<>(hp.boosterParams());
      params.put("nthread", ctx.threads());
      String[] updaters = alternatingUpdaters(hp);
      if (hp.sampling()) {
        // row sampling draws from XGBoost's global generator, reseeded from (seed, round) each round
        params.put("seed_per_iteration", "true");
      }
      if (updaters != null) {
        params.put("refresh_leaf", "0");
      }
      Map<String, DMatrix> watches = new LinkedHashMap<>();
      for (int i = 0; i < matrices.size(); i++) {
        watches.put(names.get(i), matrices.get(i));
      }
      Optional<Checkpointing.Restored> restored = checkpoints.restore();
      Optional<TrainingState> state = restored.map(r -> TrainingState.read(r.directory()));
      booster = XGBoost.train(train, params, 0, watches, null, null, null, 0,
          restored.isEmpty() ? null
              : XGBoost.loadModel(java.nio.file.Files.readAllBytes(TrainingState.model(restored.get().directory()))));
      for (String m : hp.nativeMetrics()) {
        booster.setParam("eval_metric", m);
      }
      DMatrix[] evalMats = matrices.toArray(DMatrix[]::new);
      String[] evalNames = names.toArray(String[]::new);
      String target = (validation ? "validation:" : "train:") + last(hp.reportedMetrics());
      boolean maximize = XGBoostHyperparameters.maximize(last(hp.reportedMetrics()));
      int round = state.map(TrainingState::round).orElse(0);
      int bestRound = state.map(TrainingState::bestRound).orElse(-1);
      double best = state.map(TrainingState::best).orElse(Double.NaN);
      Map<String, Double> metrics = Map.of();
      boolean stopped = false;
      {
        while (round < hp.numRound()) {
          long start = System.nanoTime();
          if (updaters != null) {
            booster.setParam("updater", updaters[round % 2]);
          }
          booster.update(train, round);
          metrics = evaluate(booster, evalMats, evalNames, data, round);
          round++;
          Directive directive = ctx.report(round - 1, ctx.rank() == 0 ? metrics : Map.of());
          if (hp.earlyStoppingRounds() > 0) {
            Double value = metrics.get(target);
            if (value != null && (Double.isNaN(best) || (maximize ? value > best : value < best))) {
              best = value;
              bestRound = round - 1;
            }
            if (round - 1 - bestRound >= hp.earlyStoppingRounds()) {
              stopped = true;
              break;
            }
          }
          checkpoints.afterRound(round, System.nanoTime() - start, directive,
              new TrainingState(round, bestRound, best).writer(booster));
          if (directive == Directive.STOP) {
            stopped = round < hp.numRound();
            break;
          }
        }
        if (metrics.isEmpty() && round > 0) {
          // resumed after the last round: evaluate the restored model once for the final metrics
          metrics = evaluate(booster, evalMats, evalNames, data, round - 1);
        }
        checkpoints.saveFinal(round, new TrainingState(round, bestRound, best).writer(booster));
      }
      byte[] model = null;
      if (ctx.rank() == 0) {
        if (bestRound >= 0) {
          booster.setAttr("best_iteration", Integer.toString(bestRound));
          booster.setAttr("best_score", Double.toString(best));
        }
        model = booster.toByteArray("json");
      }
      return new Result(model, round, metrics, stopped);
    } finally {
      if (booster != null) {
        booster.dispose();
      }
      matrices.forEach(DMatrix::dispose);
      if (distributed) {
        Communicator.shutdown();
      }
    }
  }

  /**
   * With sampling on, each round's randomness must depend only on (seed, round), so that a run
   * resumed from a checkpoint makes the same model as one that never stopped. XGBoost's global
   * generator is reseeded per round ({@code seed_per_iteration}), but its tree updater keeps state
   * across rounds (the column sampler's own generator, drawn from the global one when the updater
   * is created). Alternating between two updater sequences makes XGBoost create a fresh updater
   * every round, as a resumed run does for its first round. The second adds {@code refresh} with
   * {@code refresh_leaf=0}: it recomputes the new tree's node statistics (cover) and leaves its
   * leaf values, so predictions are unchanged; it applies to the same rounds in every run,
   * interrupted or not. ({@code prune} and {@code sync} would do as well on one worker, but both
   * broadcast trees, which fails in xgboost4j 3.1's distributed mode.) Returns null when sampling
   * is off or the user chose the updaters.
   */
  static String[] alternatingUpdaters(XGBoostHyperparameters hp) {
    if (!hp.sampling() || hp.boosterParams().containsKey("updater")
        || hp.boosterParams().getOrDefault("booster", "gbtree").equals("gblinear")) {
      return null;
    }
    String grow = hp.boosterParams().get("tree_method").equals("approx") ? "grow_histmaker" : "grow_quantile_histmaker";
    return new String[] {grow, grow + ",refresh"};
  }

  private Map<String, Double> evaluate(Booster booster, DMatrix[] mats, String[] names, List<LabeledData> data,
      int round) throws XGBoostError {
    Map<String, Double> out = new LinkedHashMap<>();
    if (hp.evalMetrics().isEmpty() || !hp.nativeMetrics().isEmpty()) {
      String eval = booster.evalSet(mats, names, round);
      for (String token : eval.split("\t")) {
        int colon = token.lastIndexOf(':');
        int dash = token.indexOf('-');
        if (token.startsWith("[") || colon < 0 || dash < 0) {
          continue;
        }
        String set = token.substring(0, dash);
        String metric = token.substring(dash + 1, colon);
        out.put(set + ":" + metric, Double.parseDouble(token.substring(colon + 1)));
      }
    }
    if (!hp.computedMetrics().isEmpty()) {
      for (int i = 0; i < mats.length; i++) {
        float[][] predictions = booster.predict(mats[i]);
        Map<String, Double> computed = ComputedMetrics.compute(hp, predictions, data.get(i), hp.computedMetrics(),
            mats.length > 0 && communicator.size() > 0);
        for (Map.Entry<String, Double> e : computed.entrySet()) {
          out.put(names[i] + ":" + e.getKey(), e.getValue());
        }
      }
    }
    return out;
  }

  /**
   * Dense channels (CSV, Parquet) must have the columns of train: a validation file without the
   * weight column of {@code csv_weights=1}, or with a column more or less, would otherwise be read
   * with its columns shifted. (LIBSVM names its features by index.)
   */
  private void checkSameColumns(LabeledData train, LabeledData validation) {
    if (!train.isDense() || !validation.isDense() || train.columns() == validation.columns()) {
      return;
    }
    boolean csv = "text/csv".equals(contentTypes.get("validation")) && "text/csv".equals(contentTypes.get("train"));
    if (!csv) {
      throw KilnException.user("Channel 'validation' has " + validation.columns() + " feature columns but 'train' has "
          + train.columns() + "; both channels need the same columns, in the same order");
    }
    int lead = hp.csvWeights() ? 2 : 1;
    String layout = hp.csvWeights() ? "label, weight and " : "label and ";
    String msg = "Channel 'validation' has " + (validation.columns() + lead) + " columns per row but 'train' has "
        + (train.columns() + lead) + " (" + layout + train.columns() + " features); ";
    if (hp.csvWeights() && validation.columns() + 1 == train.columns()) {
      msg += "with csv_weights=1 every channel's rows need the instance weight in the second column: add the weight "
          + "column to the validation data (or set csv_weights=0 and remove it from train)";
    } else {
      msg += "both channels need the same columns, in the same order";
    }
    throw KilnException.user(msg);
  }

  /**
   * Makes the query groups of LIBSVM rows with {@code qid:} whole on each worker and refuses row
   * weights beside them (XGBoost weighs groups, not rows). Every worker calls this for the channel.
   */
  private LabeledData queryGroups(WorkerContext ctx, String channel, LabeledData d) {
    if (d.isDense()) {
      return d;
    }
    boolean qids = d.qids() != null;
    if (ctx.workers() > 1) {
      List<String> flags = ctx.allGather(qids ? "qid" : "-");
      if (flags.contains("qid") && flags.contains("-")) {
        throw KilnException.user("Channel '" + channel + "' has rows with a qid and rows without one (worker "
            + flags.indexOf("qid") + " read the one, worker " + flags.indexOf("-") + " the other); give every row its "
            + "query id right after the label (label qid:n index:value ...), or none");
      }
    }
    if (!qids) {
      return d;
    }
    if (d.weights() != null) {
      throw KilnException.user("Channel '" + channel + "' gives its rows both a query id (qid:) and an instance weight "
          + "(label:weight); XGBoost weighs query groups, not rows (native XGBoost refuses this: size of weights must "
          + "equal the number of groups). Remove the :weight after the labels");
    }
    return ctx.workers() > 1 ? QueryGroups.joinCutGroups(ctx, channel, d) : d;
  }

  private DMatrix dmatrix(LabeledData d) throws XGBoostError {
    return dmatrix(d, hp.objective().startsWith("rank:") || hp.reportedMetrics().stream()
        .anyMatch(m -> m.startsWith("ndcg") || m.startsWith("map") || m.startsWith("pre")));
  }

  private static DMatrix dmatrix(LabeledData d, boolean ranking) throws XGBoostError {
    DMatrix m;
    if (d.isDense()) {
      m = new DMatrix(d.dense(), d.rows(), d.columns(), Float.NaN);
    } else {
      long nnz = d.rowOffsets()[d.rows()];
      m = new DMatrix(Arrays.copyOf(d.rowOffsets(), d.rows() + 1), Arrays.copyOf(d.indices(), (int) nnz),
          Arrays.copyOf(d.values(), (int) nnz), DMatrix.SparseType.CSR, d.columns());
    }
    m.setLabel(Arrays.copyOf(d.labels(), d.rows()));
    if (d.weights() != null) {
      m.setWeight(Arrays.copyOf(d.weights(), d.rows()));
    }
    if (d.qids() != null) {
      m.setGroup(QueryGroups.sizes(d.qids(), d.rows()));
    } else if (ranking && d.rows() > 0 && d.weights() == null) {
      // no query ids: the rows are one query, as native XGBoost 1.7 takes a matrix without groups (on
      // several workers, each worker's rows, as each instance's in SageMaker's distributed training).
      // Not with row weights (csv_weights): XGBoost weighs groups, and says so itself
      m.setGroup(new int[] {d.rows()});
    }
    return m;
  }

  private static String last(List<String> list) {
    return list.get(list.size() - 1);
  }
}
