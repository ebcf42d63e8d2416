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
 * a DMatrix, checks what XGBoost would refuse (every worker agrees on the first problem before
 * XGBoost's collective starts, so a user's mistake never leaves a worker waiting in native code),
 * joins XGBoost's collective, and boosts one round at a time: after each round it evaluates, reports
 * the metrics to the driver and follows the driver's directive.
 *
 * <p>With early stopping, as SageMaker's container ({@code EarlyStopping(save_best=True)}), the model
 * and the final metrics are those of the best round. Final metrics are the whole channel's: XGBoost's
 * distributed {@code auc} and {@code aucpr} are built from each worker's own ranking, so for those
 * the workers pool their margins and rank 0 evaluates them on the whole channel.
 */
final class XGBoostWorker implements WorkerFunction<XGBoostWorker.Result> {
  private static final long serialVersionUID = 1L;
  private static final List<String> RANKED = List.of("auc", "aucpr");

  private final XGBoostHyperparameters hp;
  private final Map<String, Object> communicator;
  private final boolean validation;
  private final Map<String, Boolean> sparse;
  private final Map<String, String> contentTypes;

  /**
   * @param sparse per channel, whether it is LIBSVM (features by index) rather than dense columns
   * @param contentTypes each channel's MIME type (text/csv ...), for messages about its columns
   */
  XGBoostWorker(XGBoostHyperparameters hp, Map<String, Object> communicator, boolean validation,
      Map<String, Boolean> sparse, Map<String, String> contentTypes) {
    this.hp = hp;
    this.communicator = new LinkedHashMap<>(communicator);
    this.validation = validation;
    this.sparse = new LinkedHashMap<>(sparse);
    this.contentTypes = new LinkedHashMap<>(contentTypes);
  }

  /**
   * What a worker returns.
   *
   * @param model the booster in XGBoost's JSON format (rank 0 only, else null)
   * @param rounds rounds in the model
   * @param finalMetrics the final model's metrics on each whole channel (rank 0's are the job's)
   * @param stopped whether a directive or early stopping ended training before num_round
   */
  record Result(byte[] model, int rounds, Map<String, Double> finalMetrics, boolean stopped) implements Serializable {}

  @Override
  public Result run(WorkerContext ctx) throws java.io.IOException {
    try {
      return train(ctx);
    } catch (XGBoostError e) {
      throw NativeErrors.translate(e);
    }
  }

  private Result train(WorkerContext ctx) throws XGBoostError, java.io.IOException {
    boolean distributed = ctx.workers() > 1;
    List<DMatrix> matrices = new ArrayList<>();
    List<Booster> boosters = new ArrayList<>();
    boolean joined = false;
    // the service starts looking for the newest checkpoint now, while the data is read
    Checkpointing checkpoints = ctx.checkpointing();
    try {
      ReadOptions options = ReadOptions.labelled(hp.csvWeights());
      LabeledData trainData = queryGroups(ctx, "train", ctx.read("train", options));
      LabeledData validationData = validation
          ? queryGroups(ctx, "validation", ctx.read("validation", options)) : null;
      if (validationData != null) {
        checkSameColumns(trainData, validationData);
      }
      int features = checkData(ctx, trainData, validationData);
      if (distributed) {
        Map<String, Object> env = new LinkedHashMap<>(communicator);
        env.put("DMLC_TASK_ID", Integer.toString(ctx.rank()));
        Communicator.init(env);
        joined = true;
      }
      DMatrix train = dmatrix(trainData, features);
      matrices.add(train);
      List<String> names = new ArrayList<>(List.of("train"));
      List<LabeledData> data = new ArrayList<>(List.of(trainData));
      if (validation) {
        matrices.add(dmatrix(validationData, features));
        names.add("validation");
        data.add(validationData);
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
      Booster booster = XGBoost.train(train, params, 0, watches, null, null, null, 0,
          restored.isEmpty() ? null
              : XGBoost.loadModel(java.nio.file.Files.readAllBytes(TrainingState.model(restored.get().directory()))));
      boosters.add(booster);
      Evaluator evaluator = new Evaluator(matrices.toArray(DMatrix[]::new), names.toArray(String[]::new), data,
          distributed);
      evaluator.prepare(booster);
      String stopMetric = validation ? hp.earlyStoppingMetric() : null;
      String target = "validation:" + stopMetric;
      boolean maximize = stopMetric != null && XGBoostMetrics.maximize(stopMetric);
      int round = state.map(TrainingState::round).orElse(0);
      int bestRound = state.map(TrainingState::bestRound).orElse(-1);
      double best = state.map(TrainingState::best).orElse(Double.NaN);
      Map<String, Double> metrics = Map.of();
      boolean stopped = false;
      boolean earlyStopped = false;
      boolean directed = false;
      boolean quiet = updaters != null;
      String verbosity = hp.boosterParams().getOrDefault("verbosity", "1");
      while (round < hp.numRound()) {
        if (stopMetric != null && round - 1 - bestRound >= hp.earlyStoppingRounds()) {
          // resumed from the checkpoint early stopping left: it stopped there
          earlyStopped = true;
          stopped = true;
          break;
        }
        long start = System.nanoTime();
        boost(booster, train, round, updaters, quiet, verbosity);
        quiet = false;
        metrics = evaluator.evaluate(booster, round);
        round++;
        Directive directive = ctx.report(round - 1, ctx.rank() == 0 ? metrics : Map.of());
        if (stopMetric != null) {
          Double value = metrics.get(target);
          // NaN (e.g. auc of one class only) is never an improvement; a number beats no number
          if (value != null && !Double.isNaN(value)
              && (bestRound < 0 || Double.isNaN(best) || (maximize ? value > best : value < best))) {
            best = value;
            bestRound = round - 1;
          }
          if (round - 1 - bestRound >= hp.earlyStoppingRounds()) {
            earlyStopped = true;
            stopped = round < hp.numRound();
          }
        }
        if (!earlyStopped) {
          checkpoints.afterRound(round, System.nanoTime() - start, directive,
              new TrainingState(round, bestRound, best).writer(booster));
        }
        if (earlyStopped) {
          break;
        }
        if (directive == Directive.STOP) {
          stopped = round < hp.numRound();
          directed = true;
          break;
        }
      }
      if (metrics.isEmpty() && round > 0) {
        // resumed after the last round: evaluate the restored model once
        metrics = evaluator.evaluate(booster, round - 1);
      }
      checkpoints.saveFinal(round, new TrainingState(round, bestRound, best).writer(booster));

      // the final model: with early stopping the best round's, as the container saves it (save_best)
      Booster model = booster;
      int rounds = round;
      Map<String, Double> finals = new LinkedHashMap<>(metrics);
      if (stopMetric != null && !directed && bestRound >= 0 && bestRound + 1 < round) {
        model = XGBoost.loadModel(ModelSlicer.firstRounds(booster.toByteArray("json"), bestRound + 1));
        boosters.add(model);
        model.setParam("nthread", ctx.threads());
        evaluator.prepare(model);
        finals = new LinkedHashMap<>(evaluator.evaluate(model, bestRound));
        rounds = bestRound + 1;
      }
      if (ctx.rank() == 0 && stopMetric != null && !directed) {
        ctx.log(earlyStopping(target, maximize, bestRound, best, earlyStopped ? hp.earlyStoppingRounds() : 0, round,
            rounds, treesPerRound(hp)));
      }
      Map<String, float[]> pooled = distributed ? evaluator.pool(model) : Map.of();
      if (joined) {
        Communicator.shutdown();
        joined = false;
      }
      if (ctx.rank() == 0 && !pooled.isEmpty()) {
        finals.putAll(evaluator.wholeChannels(pooled, params));
      }
      byte[] bytes = null;
      if (ctx.rank() == 0) {
        if (bestRound >= 0 && stopMetric != null) {
          model.setAttr("best_iteration", Integer.toString(Math.min(bestRound, rounds - 1)));
          model.setAttr("best_score", Double.toString(best));
        }
        bytes = model.toByteArray("json");
      }
      return new Result(bytes, rounds, finals, stopped);
    } finally {
      boosters.forEach(Booster::dispose);
      matrices.forEach(DMatrix::dispose);
      if (joined) {
        Communicator.shutdown();
      }
    }
  }

  /**
   * The early-stopping line, numbering rounds as XGBoost's evaluation lines do (0-based iterations:
   * {@code [12]} is iteration 12, the 13th round): the best iteration, how many rounds ran and how
   * many the model keeps (and its trees).
   *
   * @param bestRound the best iteration, -1 when no round had a value
   * @param patience early_stopping_rounds when training stopped for want of improvement, else 0
   * @param ran rounds trained
   * @param kept rounds in the model
   * @param treesPerRound trees each round adds (num_class for multi:*, times num_parallel_tree); 0 for gblinear
   */
  static String earlyStopping(String target, boolean maximize, int bestRound, double best, int patience, int ran,
      int kept, int treesPerRound) {
    if (patience == 0 && kept == ran) {
      return "Early stopping on " + target + ": the last iteration (" + (ran - 1) + ") was the best; " + ran
          + " round(s) ran and the model keeps all of them";
    }
    return "Early stopping on " + target + " (" + (maximize ? "maximize" : "minimize") + "): "
        + (bestRound < 0 ? "no iteration had a value" : "best " + XGBoostAlgorithm.format(best) + " at iteration "
            + bestRound)
        + (patience > 0 ? ", no better for " + patience + " round(s) by iteration " + (ran - 1) : "")
        + "; " + ran + " round(s) ran (iterations 0 to " + (ran - 1) + "), the model keeps "
        + (kept == ran ? "all " + kept : "the first " + kept) + " (iterations 0 to " + (kept - 1)
        + (treesPerRound > 0 ? ": " + (long) kept * treesPerRound + " tree(s)" : "") + ")"
        + (bestRound >= 0 ? ", best_iteration " + bestRound : "");
  }

  /** Trees one boosting round adds: num_class for multi:*, times num_parallel_tree; 0 for gblinear. */
  static int treesPerRound(XGBoostHyperparameters hp) {
    if (hp.boosterParams().getOrDefault("booster", "gbtree").equals("gblinear")) {
      return 0;
    }
    int parallel = 1;
    try {
      parallel = Integer.parseInt(hp.boosterParams().getOrDefault("num_parallel_tree", "1").trim());
    } catch (NumberFormatException e) {
      // validated before; keep 1
    }
    return Math.max(1, hp.objective().startsWith("multi:") ? hp.numClass() : 1) * Math.max(1, parallel);
  }

  /**
   * Checks what XGBoost would refuse about the data (the labels and weights for the objective and
   * metrics, the channels' feature counts, the hyperparameters that name features) and makes every
   * worker agree on the first problem, so all of them fail with the same user error before any
   * native collective starts. Returns the feature count to train with.
   */
  private int checkData(WorkerContext ctx, LabeledData train, LabeledData validationData) {
    String problem = null;
    boolean needsFix = false;
    List<String> metrics = hp.reportedMetrics();
    for (String channel : validation ? List.of("train", "validation") : List.of("train")) {
      LabeledData d = channel.equals("train") ? train : validationData;
      Optional<DataChecks.RowProblem> bad = DataChecks.firstBadRow(hp, metrics, d, hp.csvWeights());
      if (bad.isPresent()) {
        problem = ctx.rowError(channel, bad.get().row(), bad.get().message()).getMessage();
        needsFix = bad.get().needsFix();
        break;
      }
    }
    // the fix for a label the objective refuses depends on every worker's labels
    DataChecks.LabelStats stats = DataChecks.LabelStats.NONE;
    int features = train.columns();
    if (problem == null && validation) {
      DataChecks.Features f = DataChecks.featureCount(train.columns(), sparse.getOrDefault("train", false),
          validationData.columns(), sparse.getOrDefault("validation", false), hp.csvWeights());
      problem = f.problem();
      features = f.count();
    }
    if (problem == null) {
      problem = DataChecks.constraints(hp, features).orElse(null);
    }
    String agreed = problem;
    boolean agreedNeedsFix = needsFix;
    if (ctx.workers() > 1) {
      // each worker sends "<its label stats>\t<F when the problem needs the fix, else ->\t<its problem or nothing>"
      List<String> all = ctx.allGather(DataChecks.LabelStats.of(train, validation ? validationData : null).encode()
          + "\t" + (needsFix ? "F" : "-") + "\t" + (problem == null ? "" : problem));
      agreed = null;
      stats = DataChecks.LabelStats.NONE;
      for (String one : all) {
        String[] parts = one.split("\t", 3);
        stats = stats.merge(DataChecks.LabelStats.parse(parts[0]));
        if (agreed == null && !parts[2].isEmpty()) {
          agreed = parts[2];
          agreedNeedsFix = parts[1].equals("F");
        }
      }
    } else if (needsFix) {
      stats = DataChecks.LabelStats.of(train, validation ? validationData : null);
    }
    if (agreed != null) {
      throw KilnException.user(agreedNeedsFix ? agreed + DataChecks.fix(hp.objective(), stats) : agreed);
    }
    return features;
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

  /**
   * Boosts one round. With Kiln's alternating updaters ({@code updaters} non-null) the round's
   * updater is set first; XGBoost then warns, once per process, that {@code updater} was set by hand
   * ("You have manually specified the `updater` parameter ..."), which the user did not do. With
   * {@code quiet} (the first update of a run, where that warning comes) the update runs at verbosity
   * 0 and the user's {@code verbosity} is restored after it.
   */
  static void boost(Booster booster, DMatrix train, int round, String[] updaters, boolean quiet, String verbosity)
      throws XGBoostError {
    if (updaters != null) {
      booster.setParam("updater", updaters[round % 2]);
    }
    boolean silence = quiet && updaters != null;
    if (silence) {
      booster.setParam("verbosity", "0");
    }
    booster.update(train, round);
    if (silence) {
      booster.setParam("verbosity", verbosity);
    }
  }

  /** Evaluates boosters on the job's channels: XGBoost's metrics and the container's own. */
  private final class Evaluator {
    private final DMatrix[] mats;
    private final String[] names;
    private final List<LabeledData> data;
    private final boolean distributed;

    Evaluator(DMatrix[] mats, String[] names, List<LabeledData> data, boolean distributed) {
      this.mats = mats;
      this.names = names;
      this.data = data;
      this.distributed = distributed;
    }

    /** Sets the native metrics on a booster (XGBoost adds one per call). */
    void prepare(Booster booster) throws XGBoostError {
      for (String m : hp.nativeMetrics()) {
        booster.setParam("eval_metric", m);
      }
    }

    /** One round's metrics, SageMaker-named ({@code validation:auc}), channel by channel. */
    Map<String, Double> evaluate(Booster booster, int round) throws XGBoostError {
      Map<String, Double> all = new LinkedHashMap<>();
      // XGBoost's own metrics, or its default one when only the container's are asked for (as in the
      // container, which then leaves eval_metric unset)
      all.putAll(parse(booster.evalSet(mats, names, round)));
      if (!hp.computedMetrics().isEmpty()) {
        int classes = hp.objective().startsWith("multi:") ? hp.numClass() : 2;
        for (int i = 0; i < mats.length; i++) {
          float[][] margins = booster.predict(mats[i], true);
          Map<String, Double> computed = ComputedMetrics.compute(margins, data.get(i).labels(), data.get(i).rows(),
              classes, hp.computedMetrics(), distributed ? NativeCollective::sum : s -> s);
          String name = names[i];
          computed.forEach((k, v) -> all.put(name + ":" + k, v));
        }
      }
      // in the order asked for (eval_metric, then the tuning objective), train first
      Map<String, Double> out = new LinkedHashMap<>();
      for (String name : names) {
        for (String m : hp.reportedMetrics()) {
          Double v = all.remove(name + ":" + m);
          if (v != null) {
            out.put(name + ":" + m, v);
          }
        }
        all.entrySet().removeIf(e -> {
          if (e.getKey().startsWith(name + ":")) {
            out.put(e.getKey(), e.getValue());
            return true;
          }
          return false;
        });
      }
      out.putAll(all);
      return out;
    }

    /**
     * The metrics XGBoost computes per worker and combines inexactly ({@code auc}, {@code aucpr}:
     * each worker's ranking, then a weighted sum), by channel; none for ranking objectives, whose
     * query groups each stay on one worker.
     */
    private List<String> ranked() {
      if (hp.objective().startsWith("rank:")) {
        return List.of();
      }
      return hp.nativeMetrics().stream().filter(m -> RANKED.contains(m)).toList();
    }

    /**
     * Pools every worker's margins, labels and weights of the channels that have a {@link #ranked}
     * metric. <em>Collective</em> (XGBoost's). Keys: {@code <channel>/margins|labels|weights}.
     */
    Map<String, float[]> pool(Booster booster) throws XGBoostError {
      if (ranked().isEmpty()) {
        return Map.of();
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      int rank = Communicator.getRank();
      int workers = Communicator.getWorldSize();
      for (int i = 0; i < mats.length; i++) {
        LabeledData d = data.get(i);
        float[][] margins = booster.predict(mats[i], true);
        int k = margins.length > 0 ? margins[0].length : 1;
        float[] counts = new float[workers];
        counts[rank] = d.rows();
        double[] all = NativeCollective.sum(toDouble(counts));
        long offset = 0;
        long total = 0;
        for (int w = 0; w < workers; w++) {
          offset += w < rank ? (long) all[w] : 0;
          total += (long) all[w];
        }
        if (total * k > Integer.MAX_VALUE - 16) {
          throw KilnException.internal("Channel '" + names[i] + "' has " + total + " rows, too many to rank on one "
              + "worker for its final " + String.join(", ", ranked()), null);
        }
        float[] m = new float[(int) (total * k)];
        float[] y = new float[(int) total];
        float[] w = new float[(int) total];
        for (int r = 0; r < d.rows(); r++) {
          System.arraycopy(margins[r], 0, m, (int) ((offset + r) * k), k);
          y[(int) offset + r] = d.labels()[r];
          w[(int) offset + r] = d.weights() == null ? 1f : d.weights()[r];
        }
        out.put(names[i] + "/margins", Communicator.allReduce(m, Communicator.OpType.SUM));
        out.put(names[i] + "/labels", Communicator.allReduce(y, Communicator.OpType.SUM));
        out.put(names[i] + "/weights", Communicator.allReduce(w, Communicator.OpType.SUM));
      }
      return out;
    }

    /**
     * XGBoost's own {@link #ranked} metrics of pooled margins, on one machine (after the collective
     * ended): a booster without trees evaluates rows whose base margin is the pooled margin, so its
     * predictions are the final model's and the metric is native XGBoost's on the whole channel.
     */
    Map<String, Double> wholeChannels(Map<String, float[]> pooled, Map<String, Object> params) throws XGBoostError {
      Map<String, Double> out = new LinkedHashMap<>();
      for (String name : names) {
        float[] y = pooled.get(name + "/labels");
        if (y == null) {
          continue;
        }
        DMatrix rows = new DMatrix(new float[y.length], y.length, 1, Float.NaN);
        Booster none = null;
        try {
          rows.setLabel(y);
          if (data.get(List.of(names).indexOf(name)).weights() != null) {
            rows.setWeight(pooled.get(name + "/weights"));
          }
          rows.setBaseMargin(pooled.get(name + "/margins"));
          Map<String, Object> p = new LinkedHashMap<>();
          for (String key : List.of("objective", "num_class", "base_score", "nthread", "tweedie_variance_power",
              "huber_slope", "quantile_alpha", "scale_pos_weight")) {
            if (params.containsKey(key)) {
              p.put(key, params.get(key));
            }
          }
          none = XGBoost.train(rows, p, 0, new LinkedHashMap<>(), null, null);
          for (String m : ranked()) {
            none.setParam("eval_metric", m);
          }
          out.putAll(parse(none.evalSet(new DMatrix[] {rows}, new String[] {name}, 0)));
        } finally {
          if (none != null) {
            none.dispose();
          }
          rows.dispose();
        }
      }
      return out;
    }
  }

  /**
   * Parses XGBoost's evaluation line ({@code [3]\ttrain-auc:0.98\tvalidation-auc:nan}): names become
   * SageMaker's ({@code validation:auc}); {@code nan}, {@code -nan}, {@code inf} and {@code -inf}
   * become the doubles they stand for.
   */
  static Map<String, Double> parse(String line) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String token : line.split("\t")) {
      int colon = token.lastIndexOf(':');
      int dash = token.indexOf('-');
      if (token.startsWith("[") || colon < 0 || dash < 0 || dash > colon) {
        continue;
      }
      out.put(token.substring(0, dash) + ":" + token.substring(dash + 1, colon), number(token.substring(colon + 1)));
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

  /** A number as C's printf writes it, {@code nan} and {@code inf} included. */
  static double number(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (t) {
      case "nan", "-nan", "+nan" -> Double.NaN;
      case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
      case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(t);
    };
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** A DMatrix of {@code d} with {@code columns} features (LIBSVM rows may use fewer). */
  private DMatrix dmatrix(LabeledData d, int columns) throws XGBoostError {
    return dmatrix(d, columns, hp.objective().startsWith("rank:") || hp.reportedMetrics().stream()
        .anyMatch(m -> m.startsWith("ndcg") || m.startsWith("map") || m.startsWith("pre")));
  }

  private static DMatrix dmatrix(LabeledData d, int columns, boolean ranking) throws XGBoostError {
    DMatrix m;
    if (d.isDense()) {
      m = new DMatrix(d.dense(), d.rows(), d.columns(), Float.NaN);
    } else {
      long nnz = d.rowOffsets()[d.rows()];
      m = new DMatrix(Arrays.copyOf(d.rowOffsets(), d.rows() + 1), Arrays.copyOf(d.indices(), (int) nnz),
          Arrays.copyOf(d.values(), (int) nnz), DMatrix.SparseType.CSR, Math.max(columns, d.columns()));
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
}
