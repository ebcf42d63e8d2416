package io.kiln.tuning.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.barrier.HadoopConf;
import io.kiln.checkpoint.HadoopCheckpointStore;
import io.kiln.runner.Algorithms;
import io.kiln.runner.JobListener;
import io.kiln.record.JobRecord;
import io.kiln.record.JobRecords;
import io.kiln.runner.JobResult;
import io.kiln.runner.KilnConf;
import io.kiln.record.Heartbeat;
import io.kiln.record.RecordStore;
import io.kiln.record.Lease;
import io.kiln.runner.Preflight;
import io.kiln.runner.TrainingJobRunner;
import io.kiln.record.TrainingJobStatus;
import io.kiln.spec.CheckpointSpec;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.KilnException;
import io.kiln.storage.Uris;
import io.kiln.tuning.space.SearchSpace;
import io.kiln.tuning.spec.Objective;
import io.kiln.tuning.spec.StrategyType;
import io.kiln.tuning.spec.TuningJobSpec;
import io.kiln.tuning.spec.TuningSpecJson;
import io.kiln.tuning.spec.WarmStart;
import io.kiln.tuning.stopping.EarlyStoppingRule;
import io.kiln.tuning.stopping.MedianStoppingRule;
import io.kiln.tuning.strategy.BayesianSearch;
import io.kiln.tuning.strategy.GridSearch;
import io.kiln.tuning.strategy.HyperbandSearch;
import io.kiln.tuning.strategy.RandomSearch;
import io.kiln.tuning.strategy.SearchStrategy;
import io.kiln.tuning.strategy.Suggestion;
import io.kiln.tuning.strategy.TrialState;
import io.kiln.tuning.strategy.TrialView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a tuning job: the strategy proposes, gang admission starts a trial when all its barrier slots
 * are free, trials run as concurrent Kiln training jobs (Spark jobs in this application, each in
 * its own job group), the early-stopping rule reads their per-round objective, and the tuning
 * record keeps every trial. The driver thread is the only one that asks the strategy; trial
 * threads only report.
 */
public final class TuningJobRunner {
  private static final Logger LOG = LoggerFactory.getLogger("io.kiln.tuning");

  private final TrainingJobRunner trainer;
  private final RecordStore<TuningRecord> store;
  private final Algorithms algorithms;
  private final KilnConf conf;
  private final io.kiln.record.Arns arns;
  private final UnaryOperator<SearchStrategy> around;

  public TuningJobRunner(TrainingJobRunner trainer, Algorithms algorithms) {
    this(trainer, algorithms, UnaryOperator.identity());
  }

  /**
   * A runner whose strategies are wrapped by {@code around}: for tests that must choose the moment
   * a strategy answers (e.g. just as a trial ends).
   */
  TuningJobRunner(TrainingJobRunner trainer, Algorithms algorithms, UnaryOperator<SearchStrategy> around) {
    this.trainer = trainer;
    this.store = TuningStore.beside(trainer.store());
    this.algorithms = algorithms;
    this.conf = KilnConf.of(trainer.spark());
    this.arns = conf.arns();
    this.around = around;
  }

  public static TuningJobRunner on(SparkSession spark) {
    return new TuningJobRunner(TrainingJobRunner.on(spark), Algorithms.load());
  }

  public RecordStore<TuningRecord> store() {
    return store;
  }

  public TrainingJobRunner trainer() {
    return trainer;
  }

  public TuningResult run(TuningJobSpec spec) {
    return run(spec, TuningListener.NONE);
  }

  /** Runs the tuning job to its end. Throws only when it cannot be created (the name is taken). */
  public TuningResult run(TuningJobSpec spec, TuningListener listener) {
    algorithms.checkObjective(spec.trainingJob(), spec.objective().metricName(),
        "objective.metric (HyperParameterTuningJobObjective.MetricName)");
    Tuning t = new Tuning(spec, Instant.now(), UUID.randomUUID().toString(), 0, listener);
    store.create(t.record());
    t.log("Created tuning job " + spec.name() + " (" + spec.strategy() + ", up to " + spec.maxTrainingJobs()
        + " trials, " + spec.resourceLimits().maxParallelTrainingJobs() + " at a time, objective "
        + spec.objective().type() + " " + spec.objective().metricName() + ")");
    spec.notices().forEach(n -> t.log("NOTICE " + n));
    return drive(t, List.of());
  }

  /** Takes over a tuning job whose driver died: only after its heartbeat lapsed, one taker wins. */
  public TuningResult resume(String name, TuningListener listener) {
    TuningRecord record = store.load(name).orElseThrow(() -> io.kiln.record.ResourceNotFoundException.of(
        "tuning job", name, store.shownRoot()));
    if (record.status().terminal()) {
      throw KilnException.user("Tuning job '" + name + "' already ended (" + record.status() + ")");
    }
    if (!record.driverLost(Instant.now())) {
      throw KilnException.user("Tuning job '" + name + "' still has a live driver (" + record.kiln().driverHost()
          + ", pid " + record.kiln().driverPid() + "); resume it only after its heartbeat has lapsed");
    }
    int epoch = (record.kiln().leaseEpoch() == null ? 0 : record.kiln().leaseEpoch()) + 1;
    String owner = UUID.randomUUID().toString();
    if (!Lease.claim(store.store(), store.directory(name), epoch, owner)) {
      throw KilnException.user("Tuning job '" + name + "' was taken over by another driver (lease epoch " + epoch
          + "); not resuming it twice");
    }
    TuningJobSpec saved = TuningSpecJson.fromKilnSpec(record.kiln().spec(), "the record of " + name);
    // the Kiln form of the spec has no SageMaker request members (RoleArn ...): they come back from
    // the definition the record echoes
    TuningJobSpec spec = new TuningJobSpec(saved.name(), saved.strategy(), saved.hyperband(), saved.objective(),
        saved.parameterRanges(), saved.resourceLimits(), saved.earlyStopping(), saved.completion(), saved.warmStart(),
        saved.randomSeed(), saved.trainingJob().withRequestEcho(TuningJobDescription.requestEcho(
            record.trainingJobDefinition())), saved.notices());
    Tuning t = new Tuning(spec, record.creationTime(), owner, epoch, listener);
    List<Trial> unfinished = t.restore(record);
    t.log("Resumed by a new driver (pid " + ProcessHandle.current().pid() + ", lease epoch " + epoch + "); "
        + unfinished.size() + " trial(s) were running and continue from their checkpoints");
    t.save();
    return drive(t, unfinished);
  }

  private TuningResult drive(Tuning t, List<Trial> unfinished) {
    TuningJobSpec spec = t.spec;
    SparkContext sc = trainer.spark().sparkContext();
    int parallel = spec.resourceLimits().maxParallelTrainingJobs();
    ExecutorService pool = Executors.newFixedThreadPool(parallel, r -> {
      Thread th = new Thread(r, "kiln-trial-" + spec.name());
      th.setDaemon(true);
      return th;
    });
    Heartbeat.Schedule heartbeat = Heartbeat.every(conf.heartbeatIntervalSeconds(),
        "kiln-tuning-heartbeat-" + spec.name(), () -> beat(t));
    GangAdmission gang = new GangAdmission(() -> Preflight.slots(sc));
    int workers = spec.trainingJob().resources().workers();
    // a new application's executors register after it starts: wait for them as a training job does
    long slotDeadline = System.nanoTime() + conf.slotWaitSeconds() * 1_000_000_000L;
    try {
      SearchStrategy strategy = around.apply(strategy(spec));
      t.warmStart(loadWarmStart(spec));
      for (Trial trial : unfinished) {
        while (!gang.tryAcquire(workers)) {
          t.await(1000);
        }
        pool.execute(() -> runTrial(t, trial, gang, workers, true));
      }
      Suggestion held = null;
      while (true) {
        if (t.stopping() != null) {
          t.stopRunningTrials(trainer);
        }
        if (t.stopping() == null && t.launched() < spec.maxTrainingJobs() && t.running() < parallel) {
          // the suggestion and "is anything running" come from one snapshot: a trial that ends after
          // the strategy answered "nothing now" (a Hyperband rung still running) must not make that
          // answer look final
          Tuning.Snapshot seen = null;
          if (held == null) {
            seen = t.snapshot(spec.strategy() != StrategyType.Hyperband);
            held = strategy.suggest(seen.history()).orElse(null);
          }
          if (held != null && gang.tryAcquire(workers)) {
            Trial trial = t.launch(held, resourceParameter(spec));
            held = null;
            if (trial == null) {
              gang.release(workers);
              continue;
            }
            prepareCheckpoint(t, trial);
            pool.execute(() -> runTrial(t, trial, gang, workers, false));
            continue;
          }
          if (held == null && seen != null && seen.running() == 0 && !strategy.finished(seen.own())) {
            // nothing was running and there was nothing to propose: the strategy is done
            t.finishSearch("The strategy has nothing more to propose");
          }
        }
        if (t.running() == 0 && (t.stopping() != null || t.launched() >= spec.maxTrainingJobs()
            || strategy.finished(t.history(false)) || t.searchFinished())) {
          break;
        }
        if (spec.maxTrainingJobs() > t.launched() && gang.held() == 0 && Preflight.slots(sc) < workers
            && t.running() == 0 && (sc.isLocal() || System.nanoTime() > slotDeadline)) {
          throw KilnException.user("Tuning job '" + spec.name() + "': each trial needs " + workers
              + " workers running at once but the cluster has " + Preflight.slots(sc) + " task slot(s)"
              + (sc.isLocal() ? "" : " after waiting " + conf.slotWaitSeconds() + " s for executors"));
        }
        t.await(500);
      }
      return t.finish();
    } catch (KilnException e) {
      t.stopRunningTrials(trainer);
      return t.fail(e.getMessage());
    } catch (RuntimeException | Error e) {
      t.stopRunningTrials(trainer);
      LOG.error("Tuning job {} failed", spec.name(), e);
      return t.fail("InternalServerError: " + TrainingJobRunner.internalError(e));
    } finally {
      pool.shutdown();
      try {
        pool.awaitTermination(10, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      heartbeat.close();
      t.save();
    }
  }

  private SearchStrategy strategy(TuningJobSpec spec) {
    SearchSpace space = spec.searchSpace();
    long seed = spec.randomSeed() == null ? 0 : spec.randomSeed();
    return switch (spec.strategy()) {
      case Random -> new RandomSearch(space, seed);
      case Grid -> new GridSearch(space);
      case Bayesian -> new BayesianSearch(space, seed);
      case Hyperband -> new HyperbandSearch(space, spec.hyperband().minResource(), spec.hyperband().maxResource(),
          spec.maxTrainingJobs(), seed);
    };
  }

  /** The hyperparameter Hyperband varies: the algorithm's resource (num_round for XGBoost). */
  private String resourceParameter(TuningJobSpec spec) {
    if (spec.strategy() != StrategyType.Hyperband) {
      return null;
    }
    return algorithms.resolve(spec.trainingJob().algorithm()).resourceHyperparameter()
        .orElseThrow(() -> KilnException.user("Hyperband needs an algorithm with a resource hyperparameter (rounds, "
            + "epochs); " + spec.trainingJob().algorithm().name() + " has none"));
  }

  /** Trials of the parent tuning jobs: observations for the strategy and, for identical data, best-job candidates. */
  private List<TrialRecord> loadWarmStart(TuningJobSpec spec) {
    WarmStart w = spec.warmStart();
    if (w == null) {
      return List.of();
    }
    List<TrialRecord> out = new ArrayList<>();
    for (String parent : w.parents()) {
      TuningRecord r = store.load(parent).orElseThrow(() -> KilnException.user("WarmStartConfig names parent "
          + "tuning job '" + parent + "', which does not exist in " + store.shownRoot()));
      if (!r.status().terminal()) {
        throw KilnException.user("WarmStartConfig parent '" + parent + "' is " + r.status()
            + "; parents must have ended");
      }
      Map<String, String> statics = new LinkedHashMap<>();
      TuningJobSpec parentSpec = TuningSpecJson.fromKilnSpec(r.kiln().spec(), "the record of " + parent);
      statics.putAll(parentSpec.trainingJob().hyperparameters());
      if (!parentSpec.objective().metricName().equals(spec.objective().metricName())) {
        throw KilnException.user("WarmStartConfig parent '" + parent + "' tuned " + parentSpec.objective().metricName()
            + "; warm start needs the same objective metric (" + spec.objective().metricName() + ")");
      }
      for (TrialRecord tr : r.kiln().trials()) {
        Map<String, String> all = new LinkedHashMap<>(statics);
        all.putAll(tr.tunedHyperParameters());
        out.add(new TrialRecord(tr.number(), tr.trainingJobName(), all, tr.status(), tr.objectiveStatus(),
            tr.objective(), tr.curve(), tr.resource(), 0, tr.errorKind(), tr.failureReason(), parent,
            tr.creationTime(), tr.endTime()));
      }
    }
    return out;
  }

  /** Gives the trial its own checkpoint location; a promoted trial starts from its parent's checkpoint. */
  private void prepareCheckpoint(Tuning t, Trial trial) {
    if (trial.checkpointUri == null || trial.parent == 0) {
      return;
    }
    Trial parent = t.trial(trial.parent);
    HadoopConf hc = new HadoopConf(trainer.spark().sparkContext().hadoopConfiguration());
    HadoopCheckpointStore from = new HadoopCheckpointStore(parent.checkpointUri, 3, hc);
    Optional<CheckpointStore.Info> c = from.latest();
    java.nio.file.Path copy = null;
    try {
      copy = java.nio.file.Files.createTempDirectory("kiln-trial-checkpoint-");
      if (c.isEmpty() || !from.restore(c.get(), copy)) {
        t.log("WARN trial " + trial.number + " continues trial " + trial.parent + ", which left no checkpoint: it "
            + "trains from scratch");
        return;
      }
      // the parent's identity: a continuation differs only in the resource hyperparameter, which it leaves out
      new HadoopCheckpointStore(trial.checkpointUri, 3, hc).save(c.get().round(), copy, c.get().writer());
    } catch (java.io.IOException e) {
      throw io.kiln.spi.KilnException.internal("Cannot copy trial " + trial.parent + "'s checkpoint: " + e.getMessage(),
          e);
    } finally {
      deleteQuietly(copy);
    }
    t.log("Trial " + trial.number + " continues trial " + trial.parent + " from its checkpoint after round "
        + c.get().round());
  }

  private static void deleteQuietly(java.nio.file.Path dir) {
    if (dir == null) {
      return;
    }
    try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException ignored) {
      // a temporary directory; the OS cleans what is left
    }
  }

  /**
   * A trial of a tuning job whose driver died beats its own heartbeat, on its own phase: the tuning
   * record can lapse a few seconds before the trial's. Waits (at most one lapse and one interval)
   * until the trial's driver counts as lost too, so the trial is taken over rather than refused.
   */
  private void awaitTrialDriverLost(String trial) {
    Optional<io.kiln.record.JobRecord> record = trainer.store().load(trial);
    if (record.isEmpty() || record.get().kiln() == null) {
      return;
    }
    var k = record.get().kiln();
    long wait = io.kiln.record.Heartbeat.lapseSeconds(k.heartbeatLapseSeconds(), k.heartbeatIntervalSeconds())
        + (k.heartbeatIntervalSeconds() == null ? 10 : k.heartbeatIntervalSeconds());
    long deadline = System.nanoTime() + wait * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      Optional<io.kiln.record.JobRecord> now = trainer.store().load(trial);
      if (now.isEmpty() || now.get().trainingJobStatus().terminal() || now.get().driverLost(Instant.now())) {
        return;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void runTrial(Tuning t, Trial trial, GangAdmission gang, int workers, boolean resume) {
    JobListener listener = new JobListener() {
      @Override
      public void onRound(int round, int plannedRounds, Map<String, Double> metrics) {
        Double value = metrics.get(t.spec.objective().metricName());
        if (value != null && t.reported(trial, value)) {
          trainer.requestStop(trial.name, "Stopped by early stopping: the objective after round " + (round + 1)
              + " is worse than the median of earlier trials");
        }
      }
    };
    try {
      if (resume) {
        awaitTrialDriverLost(trial.name);
      }
      JobResult r = resume ? trainer.resume(trial.name, listener) : trainer.run(trial.spec, listener, t.spec.name());
      Double objective = trainer.store().load(trial.name).flatMap(rec -> objectiveOf(rec, t.spec)).orElse(null);
      t.ended(trial, r.status(), r.failureReason(), objective, r.retryable());
    } catch (KilnException e) {
      t.ended(trial, TrainingJobStatus.Failed, JobResult.errorCode(e.type()) + ": "
          + io.kiln.runner.FailureText.clean(String.valueOf(e.getMessage())), null,
          e.type() != io.kiln.spi.ErrorType.USER);
    } catch (RuntimeException | Error e) {
      // an Error too: a trial that ended without a word would leave the tuning job waiting for it
      LOG.error("Trial {} failed", trial.name, e);
      t.ended(trial, TrainingJobStatus.Failed, "InternalServerError: " + TrainingJobRunner.internalError(e), null,
          true);
    } finally {
      gang.release(workers);
      t.signal();
    }
  }

  /** The trial's final objective; empty when it has none or it is not a number (NaN is never best). */
  static Optional<Double> objectiveOf(JobRecord record, TuningJobSpec spec) {
    if (record.finalMetricDataList() != null) {
      for (JobRecord.MetricData m : record.finalMetricDataList()) {
        if (m.metricName().equals(spec.objective().metricName())
            && Double.isFinite(m.value())) {
          return Optional.of(m.value());
        }
      }
    }
    return Optional.empty();
  }

  private void beat(Tuning t) {
    try {
      Optional<TuningRecord> stored = store.load(t.spec.name());
      if (stored.isPresent() && stored.get().kiln().leaseEpoch() != null
          && stored.get().kiln().leaseEpoch() > t.leaseEpoch) {
        t.fence("Another driver took the tuning job over (lease epoch " + stored.get().kiln().leaseEpoch() + ")");
        return;
      }
      store.stopRequest(t.spec.name()).ifPresent(req -> t.requestStop(TuningJobStatus.Stopped,
          "Stopped by request: " + req.reason()));
      Long limit = t.spec.resourceLimits().maxRuntimeSeconds();
      if (limit != null && Duration.between(t.created, Instant.now()).getSeconds() >= limit) {
        t.requestStop(TuningJobStatus.Stopped, "The tuning job reached MaxRuntimeInSeconds (" + limit + " s)");
      }
      t.heartbeat();
    } catch (RuntimeException e) {
      LOG.warn("Tuning heartbeat failed: {}", e.toString());
    }
  }

  /** The driver-side state of one tuning job: its trials and its record. */
  final class Tuning {
    final TuningJobSpec spec;
    final Instant created;
    final String owner;
    final int leaseEpoch;
    final TuningListener listener;
    private final EarlyStoppingRule rule;
    private final List<Trial> trials = new ArrayList<>();
    private final List<TrialRecord> warm = new ArrayList<>();
    private final StringBuilder log = new StringBuilder();
    private final Object changed = new Object();
    private TuningJobStatus stopStatus;
    private String stopReason;
    private String completionReason;
    private Instant convergenceTime;
    private boolean searchFinished;
    private boolean fenced;
    private Instant heartbeatTime;
    private TuningJobStatus finalStatus = TuningJobStatus.InProgress;
    private String failureReason;
    private Instant endTime;

    Tuning(TuningJobSpec spec, Instant created, String owner, int leaseEpoch, TuningListener listener) {
      this.spec = spec;
      this.created = created;
      this.owner = owner;
      this.leaseEpoch = leaseEpoch;
      this.listener = listener;
      this.rule = spec.earlyStopping() == io.kiln.tuning.spec.EarlyStoppingType.Auto
          && spec.strategy() != StrategyType.Hyperband ? MedianStoppingRule.defaults() : null;
      this.heartbeatTime = Instant.now();
    }

    synchronized List<Trial> restore(TuningRecord record) {
      List<Trial> unfinished = new ArrayList<>();
      for (TrialRecord tr : record.kiln().trials()) {
        Trial trial = Trial.from(tr, spec);
        trials.add(trial);
        if (trial.state == TrialState.RUNNING) {
          unfinished.add(trial);
        }
      }
      return unfinished;
    }

    synchronized void warmStart(List<TrialRecord> parents) {
      warm.addAll(parents);
      if (!parents.isEmpty()) {
        log("Warm start: " + parents.stream().filter(p -> p.objective() != null).count() + " observations from "
            + spec.warmStart().parents() + " (" + spec.warmStart().type() + ")");
      }
    }

    synchronized int launched() {
      return trials.size();
    }

    synchronized int running() {
      return (int) trials.stream().filter(x -> x.state == TrialState.RUNNING).count();
    }

    synchronized Trial trial(int number) {
      return trials.get(number - 1);
    }

    synchronized TuningJobStatus stopping() {
      return stopStatus;
    }

    synchronized boolean searchFinished() {
      return searchFinished;
    }

    synchronized void finishSearch(String why) {
      if (!searchFinished) {
        searchFinished = true;
        log(why);
      }
    }

    /**
     * What the driver decides on, taken under one lock: the strategy's view ({@link #history}), the
     * own trials alone, and how many of them run.
     */
    record Snapshot(List<TrialView> history, List<TrialView> own, int running) {}

    synchronized Snapshot snapshot(boolean withWarmStart) {
      return new Snapshot(history(withWarmStart), history(false), running());
    }

    /** The strategy's view: own trials, and (unless Hyperband) the parents' observations. */
    synchronized List<TrialView> history(boolean withWarmStart) {
      List<TrialView> out = new ArrayList<>();
      if (withWarmStart) {
        SearchSpace space = spec.searchSpace();
        int n = -1;
        for (TrialRecord w : warm) {
          Map<String, String> projected = project(space, w.tunedHyperParameters());
          if (w.objective() != null && projected != null) {
            out.add(new TrialView(n--, projected, TrialState.COMPLETED, loss(w.objective()), List.of(), 0, 0));
          }
        }
      }
      for (Trial x : trials) {
        out.add(x.view(this));
      }
      return out;
    }

    /** A parent's values for this job's ranges, or null when one is missing or invalid here. */
    private Map<String, String> project(SearchSpace space, Map<String, String> values) {
      Map<String, String> out = new LinkedHashMap<>();
      for (String name : space.names()) {
        String v = values.get(name);
        if (v == null) {
          return null;
        }
        out.put(name, v);
      }
      try {
        space.encode(out);
        return out;
      } catch (RuntimeException e) {
        return null;
      }
    }

    double loss(double objective) {
      return spec.objective().type() == Objective.Type.Minimize ? objective : -objective;
    }

    /** Adds the trial, or returns null when the tuning job began stopping since the caller looked. */
    synchronized Trial launch(Suggestion s, String resourceParameter) {
      if (stopStatus != null) {
        return null;
      }
      int number = trials.size() + 1;
      String name = spec.trialName(number);
      Map<String, String> hp = new LinkedHashMap<>(spec.trainingJob().hyperparameters());
      hp.putAll(s.hyperparameters());
      if (s.resource() > 0 && resourceParameter != null) {
        hp.put(resourceParameter, Integer.toString(s.resource()));
      }
      hp.put("_tuning_objective_metric", spec.objective().metricName());
      String checkpointUri = checkpointUri(name);
      TrainingJobSpec trialSpec = spec.trainingJob().withName(name).withHyperparameters(hp);
      if (checkpointUri != null) {
        CheckpointSpec template = spec.trainingJob().checkpoint();
        trialSpec = trialSpec.withCheckpoint(new CheckpointSpec(checkpointUri,
            template == null ? null : template.localPath(), template == null ? null : template.intervalRounds()));
      }
      Trial trial = new Trial(number, name, s.hyperparameters(), s.resource(), s.continueFrom(), trialSpec,
          checkpointUri, Instant.now());
      trials.add(trial);
      log("Trial " + number + " " + name + ": " + s.hyperparameters()
          + (s.resource() > 0 ? ", " + resourceParameter + "=" + s.resource() : "")
          + (s.continueFrom() > 0 ? ", continuing trial " + s.continueFrom() : ""));
      save();
      listener.onTrialStarted(number, name, s.hyperparameters());
      return trial;
    }

    /** Where a trial checkpoints: under the template's location, or (Hyperband) under the output path. */
    private String checkpointUri(String trialName) {
      CheckpointSpec template = spec.trainingJob().checkpoint();
      if (template != null) {
        return Uris.join(template.uri(), trialName) + "/";
      }
      if (spec.strategy() == StrategyType.Hyperband) {
        return Uris.join(spec.trainingJob().outputPath(), spec.name(), "checkpoints", trialName) + "/";
      }
      return null;
    }

    /** A round's objective; true when the trial should stop early. */
    boolean reported(Trial trial, double value) {
      TrialView view;
      List<TrialView> others;
      synchronized (this) {
        trial.curve.add(value);
        if (rule == null || trial.earlyStopped || stopStatus != null) {
          return false;
        }
        view = trial.view(this);
        others = trials.stream().filter(x -> x != trial).map(x -> x.view(this)).toList();
      }
      if (rule.shouldStop(view, others)) {
        synchronized (this) {
          trial.earlyStopped = true;
        }
        log("Early stopping trial " + trial.number + " after round " + view.curve().size()
            + ": its objective is worse than the median of earlier trials");
        return true;
      }
      return false;
    }

    /** A trial ended; {@code retryable}: whether its failure (if any) was not the user's mistake. */
    void ended(Trial trial, TrainingJobStatus status, String reason, Double objective, boolean retryable) {
      synchronized (this) {
        trial.status = status;
        trial.failureReason = reason;
        trial.endTime = Instant.now();
        Double last = trial.curve.isEmpty() || status == TrainingJobStatus.Failed ? null
            : trial.curve.get(trial.curve.size() - 1);
        // a NaN or infinite objective (auc of one class only) is no objective: never the best
        trial.objective = objective != null && Double.isFinite(objective) ? objective
            : last != null && Double.isFinite(last) ? last : null;
        trial.state = switch (status) {
          case Completed -> TrialState.COMPLETED;
          case Stopped -> trial.objective == null ? TrialState.FAILED : TrialState.STOPPED;
          default -> TrialState.FAILED;
        };
        if (status == TrainingJobStatus.Failed) {
          trial.errorKind = retryable ? "RetryableError" : "NonRetryableError";
        }
        log("Trial " + trial.number + " " + trial.name + " ended " + status
            + (trial.objective != null ? ", " + spec.objective().metricName() + " = " + trial.objective : "")
            + (status == TrainingJobStatus.Failed ? " (" + trial.errorKind + ": " + reason + ")" : ""));
        checkCompletion();
        save();
      }
      listener.onTrialEnded(trial.number, trial.name, status, trial.objective);
      signal();
    }

    /** TuningJobCompletionCriteria: target reached, too many trials without improvement, convergence. */
    private void checkCompletion() {
      var c = spec.completion();
      if (c == null || stopStatus != null) {
        return;
      }
      Optional<Trial> best = best();
      if (c.targetObjectiveValue() != null && best.isPresent()) {
        double target = c.targetObjectiveValue();
        double v = best.get().objective;
        boolean reached = spec.objective().type() == Objective.Type.Maximize ? v >= target : v <= target;
        if (reached) {
          complete("TargetObjectiveMetricValue " + target + " reached by " + best.get().name);
          return;
        }
      }
      if (c.maxJobsNotImproving() != null && notImproving() >= c.maxJobsNotImproving()) {
        complete("BestObjectiveNotImproving: " + notImproving() + " trials without improving the best objective");
        return;
      }
      if (c.completeOnConvergence() && converged()) {
        convergenceTime = Instant.now();
        complete("ConvergenceDetected: the best objective has stopped improving");
      }
    }

    private void complete(String why) {
      completionReason = why;
      stopStatus = TuningJobStatus.Completed;
      stopReason = why;
      log("Completion criteria met: " + why);
    }

    /** Trials (in the order they ended) since the one that last improved the best objective. */
    synchronized int notImproving() {
      List<Trial> done = ended();
      double best = Double.POSITIVE_INFINITY;
      int since = 0;
      for (Trial x : done) {
        if (x.objective == null) {
          since++;
          continue;
        }
        double l = loss(x.objective);
        if (l < best) {
          best = l;
          since = 0;
        } else {
          since++;
        }
      }
      return since;
    }

    /**
     * Convergence: at least {@code 2w} trials with an objective (w = max(5, dimensions)), and the
     * last w of them improved the best loss by less than 0.1 % of the spread of all losses seen.
     */
    synchronized boolean converged() {
      List<Double> losses = ended().stream().filter(x -> x.objective != null).map(x -> loss(x.objective)).toList();
      int w = Math.max(5, spec.searchSpace().dimensions());
      if (losses.size() < 2 * w) {
        return false;
      }
      double bestBefore = losses.subList(0, losses.size() - w).stream().mapToDouble(Double::doubleValue).min()
          .orElseThrow();
      double bestNow = losses.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      double spread = losses.stream().mapToDouble(Double::doubleValue).max().orElseThrow() - bestNow;
      return bestBefore - bestNow <= 1e-3 * Math.max(spread, 1e-12);
    }

    private List<Trial> ended() {
      return trials.stream().filter(x -> x.endTime != null)
          .sorted(java.util.Comparator.comparing((Trial x) -> x.endTime).thenComparingInt(x -> x.number)).toList();
    }

    synchronized Optional<Trial> best() {
      return trials.stream().filter(x -> x.objective != null)
          .min(java.util.Comparator.comparingDouble((Trial x) -> loss(x.objective)).thenComparingInt(x -> x.number));
    }

    synchronized void requestStop(TuningJobStatus status, String why) {
      if (stopStatus == null) {
        stopStatus = status;
        stopReason = why;
        log("Stopping: " + why);
        signal();
      }
    }

    void stopRunningTrials(TrainingJobRunner runner) {
      List<Trial> running;
      synchronized (this) {
        running = trials.stream().filter(x -> x.state == TrialState.RUNNING && !x.stopRequested).toList();
      }
      for (Trial x : running) {
        // a trial launched but not yet running in the trainer is asked again on the next pass
        if (runner.requestStop(x.name, "the tuning job is stopping: " + stopReason)) {
          synchronized (this) {
            x.stopRequested = true;
          }
        }
      }
    }

    synchronized void fence(String why) {
      if (!fenced) {
        LOG.warn("{}: {}", spec.name(), why);
        fenced = true;
        requestStop(TuningJobStatus.Stopped, why);
      }
    }

    synchronized void heartbeat() {
      heartbeatTime = Instant.now();
      save();
    }

    void await(long millis) {
      synchronized (changed) {
        try {
          changed.wait(millis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    void signal() {
      synchronized (changed) {
        changed.notifyAll();
      }
    }

    synchronized TuningResult finish() {
      Optional<Trial> best = best();
      if (stopStatus == TuningJobStatus.Stopped) {
        finalStatus = TuningJobStatus.Stopped;
        failureReason = stopReason;
      } else if (best.isEmpty() && !trials.isEmpty()) {
        finalStatus = TuningJobStatus.Failed;
        Optional<Trial> failed = trials.stream().filter(x -> x.failureReason != null).findFirst();
        failureReason = "No training job reached an objective value; " + (failed.isPresent()
            ? "the first failure: " + failed.get().failureReason
            : "no trial reported a number for " + spec.objective().metricName() + " (NaN or no value)");
      } else {
        finalStatus = TuningJobStatus.Completed;
      }
      endTime = Instant.now();
      log("Tuning job " + finalStatus + (best.isPresent() ? "; best trial " + best.get().name + " with "
          + spec.objective().metricName() + " = " + best.get().objective : ""));
      save();
      return new TuningResult(spec.name(), finalStatus, best.map(x -> x.name).orElse(null),
          best.map(x -> x.objective).orElse(null), failureReason, finalStatus.exitCode());
    }

    synchronized TuningResult fail(String reason) {
      finalStatus = TuningJobStatus.Failed;
      failureReason = reason;
      endTime = Instant.now();
      log("ERROR " + reason);
      save();
      return new TuningResult(spec.name(), finalStatus, best().map(x -> x.name).orElse(null),
          best().map(x -> x.objective).orElse(null), reason, 1);
    }

    void log(String line) {
      synchronized (log) {
        log.append(Instant.now()).append(' ').append(line).append('\n');
      }
      LOG.info("{}: {}", spec.name(), line);
      listener.onLog(line);
    }

    synchronized void save() {
      if (fenced) {
        return;
      }
      TuningRecord r = record();
      // the log first: a reader that sees the record's new status then finds the log of that moment
      synchronized (log) {
        store.writeLog(spec.name(), log.toString());
      }
      store.save(r);
    }

    synchronized TuningRecord record() {
      JsonNodeFactory f = JsonNodeFactory.instance;
      Map<String, Integer> counters = new LinkedHashMap<>();
      counters.put("Completed", count(x -> x.status == TrainingJobStatus.Completed));
      counters.put("InProgress", count(x -> x.state == TrialState.RUNNING));
      counters.put("RetryableError", count(x -> "RetryableError".equals(x.errorKind)));
      counters.put("NonRetryableError", count(x -> "NonRetryableError".equals(x.errorKind)));
      counters.put("Stopped", count(x -> x.status == TrainingJobStatus.Stopped));
      Map<String, Integer> objectives = new LinkedHashMap<>();
      objectives.put("Succeeded", count(x -> x.objective != null && x.state != TrialState.RUNNING));
      objectives.put("Pending", count(x -> x.state == TrialState.RUNNING));
      objectives.put("Failed", count(x -> x.objective == null && x.state != TrialState.RUNNING));
      ObjectNode completion = f.objectNode().put("NumberOfTrainingJobsObjectiveNotImproving", notImproving());
      if (convergenceTime != null) {
        completion.put("ConvergenceDetectedTime", io.kiln.record.AwsTime.format(convergenceTime));
      }
      ObjectNode consumed = f.objectNode().put("RuntimeInSeconds",
          Math.max(1, Duration.between(created, endTime == null ? Instant.now() : endTime).getSeconds()));
      JsonNode bestJob = best().map(x -> summary(x.name, x.hyperparameters, x.status, x.objective, x.created,
          x.endTime, spec.name())).orElse(null);
      JsonNode overallBest = overallBest();
      TuningJobStatus status = stopStatus != null && finalStatus == TuningJobStatus.InProgress
          && stopStatus == TuningJobStatus.Stopped ? TuningJobStatus.Stopping : finalStatus;
      long rounds = trials.stream().mapToLong(x -> x.curve.size()).sum();
      TuningRecord.Details details = new TuningRecord.Details(conf.controlHost(), ProcessHandle.current().pid(),
          null, heartbeatTime, conf.heartbeatIntervalSeconds(), conf.heartbeatLapseSeconds(), leaseEpoch, owner,
          completionReason, rounds, spec.notices(), trials.stream().map(Trial::record).toList(),
          TuningSpecJson.toKilnSpec(spec));
      return new TuningRecord(spec.name(), arns.tuningJob(spec.name()), config(), definition(), status, created,
          endTime, Instant.now(), counters,
          objectives, bestJob, overallBest, warmStartConfig(), failureReason, completion, consumed, details);
    }

    private int count(java.util.function.Predicate<Trial> p) {
      return (int) trials.stream().filter(p).count();
    }

    private JsonNode overallBest() {
      if (spec.warmStart() == null || spec.warmStart().type() != WarmStart.Type.IdenticalDataAndAlgorithm) {
        return null;
      }
      TrialRecord bestWarm = warm.stream().filter(w -> w.objective() != null)
          .min(java.util.Comparator.comparingDouble(w -> loss(w.objective()))).orElse(null);
      Optional<Trial> own = best();
      if (bestWarm == null || own.isPresent() && loss(own.get().objective) <= loss(bestWarm.objective())) {
        return own.map(x -> summary(x.name, x.hyperparameters, x.status, x.objective, x.created, x.endTime,
            spec.name())).orElse(null);
      }
      return summary(bestWarm.trainingJobName(), bestWarm.tunedHyperParameters(),
          TrainingJobStatus.valueOf(bestWarm.status()), bestWarm.objective(), bestWarm.creationTime(),
          bestWarm.endTime(), bestWarm.tuningJobName());
    }

    private JsonNode summary(String name, Map<String, String> tuned, TrainingJobStatus status, Double objective,
        Instant createdAt, Instant end, String tuningJob) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("TrainingJobName", name);
      n.put("TrainingJobArn", arns.trainingJob(name));
      n.put("TuningJobName", tuningJob);
      if (createdAt != null) {
        n.put("CreationTime", io.kiln.record.AwsTime.format(createdAt));
      }
      if (end != null) {
        n.put("TrainingEndTime", io.kiln.record.AwsTime.format(end));
      }
      n.put("TrainingJobStatus", status.name());
      ObjectNode hp = n.putObject("TunedHyperParameters");
      tuned.forEach(hp::put);
      if (objective != null) {
        n.putObject("FinalHyperParameterTuningJobObjectiveMetric").put("Type", spec.objective().type().name())
            .put("MetricName", spec.objective().metricName()).put("Value", objective);
      }
      n.put("ObjectiveStatus", objective != null ? "Succeeded" : "Failed");
      return n;
    }

    private ObjectNode config() {
      JsonNodeFactory f = JsonNodeFactory.instance;
      ObjectNode c = f.objectNode();
      c.put("Strategy", spec.strategy().name());
      c.putObject("HyperParameterTuningJobObjective").put("Type", spec.objective().type().name())
          .put("MetricName", spec.objective().metricName());
      ObjectNode limits = c.putObject("ResourceLimits").put("MaxNumberOfTrainingJobs", spec.maxTrainingJobs())
          .put("MaxParallelTrainingJobs", spec.resourceLimits().maxParallelTrainingJobs());
      if (spec.resourceLimits().maxRuntimeSeconds() != null) {
        limits.put("MaxRuntimeInSeconds", spec.resourceLimits().maxRuntimeSeconds());
      }
      c.set("ParameterRanges", ranges());
      c.put("TrainingJobEarlyStoppingType", spec.earlyStopping().name());
      if (spec.randomSeed() != null) {
        c.put("RandomSeed", spec.randomSeed());
      }
      var cc = spec.completion();
      if (cc != null && !cc.isNone()) {
        ObjectNode crit = c.putObject("TuningJobCompletionCriteria");
        if (cc.targetObjectiveValue() != null) {
          crit.put("TargetObjectiveMetricValue", cc.targetObjectiveValue());
        }
        if (cc.maxJobsNotImproving() != null) {
          crit.putObject("BestObjectiveNotImproving").put("MaxNumberOfTrainingJobsNotImproving",
              cc.maxJobsNotImproving());
        }
        crit.putObject("ConvergenceDetected").put("CompleteOnConvergence",
            cc.completeOnConvergence() ? "Enabled" : "Disabled");
      }
      if (spec.hyperband() != null) {
        c.putObject("StrategyConfig").putObject("HyperbandStrategyConfig")
            .put("MinResource", spec.hyperband().minResource()).put("MaxResource", spec.hyperband().maxResource());
      }
      return c;
    }

    private ObjectNode ranges() {
      ObjectNode r = JsonNodeFactory.instance.objectNode();
      var ints = r.putArray("IntegerParameterRanges");
      var conts = r.putArray("ContinuousParameterRanges");
      var cats = r.putArray("CategoricalParameterRanges");
      for (var range : spec.parameterRanges()) {
        if (range instanceof io.kiln.tuning.space.ParameterRange.Integer i) {
          ints.addObject().put("Name", i.name()).put("MinValue", Long.toString(i.min()))
              .put("MaxValue", Long.toString(i.max())).put("ScalingType", i.scaling().name());
        } else if (range instanceof io.kiln.tuning.space.ParameterRange.Continuous c) {
          conts.addObject().put("Name", c.name()).put("MinValue", Double.toString(c.min()))
              .put("MaxValue", Double.toString(c.max())).put("ScalingType", c.scaling().name());
        } else {
          var cat = (io.kiln.tuning.space.ParameterRange.Categorical) range;
          var values = cats.addObject().put("Name", cat.name()).putArray("Values");
          cat.values().forEach(values::add);
        }
      }
      return r;
    }

    private ObjectNode definition() {
      ObjectNode d = JobRecords.describeEcho(spec.trainingJob());
      if (!d.has("RoleArn")) {
        d.put("RoleArn", arns.role());
      }
      ObjectNode statics = JsonNodeFactory.instance.objectNode();
      spec.trainingJob().hyperparameters().forEach(statics::put);
      d.set("StaticHyperParameters", statics);
      return d;
    }

    private JsonNode warmStartConfig() {
      if (spec.warmStart() == null) {
        return null;
      }
      ObjectNode w = JsonNodeFactory.instance.objectNode();
      var parents = w.putArray("ParentHyperParameterTuningJobs");
      spec.warmStart().parents().forEach(p -> parents.addObject().put("HyperParameterTuningJobName", p));
      w.put("WarmStartType", spec.warmStart().type().name());
      return w;
    }
  }

  /** One trial's live state (the tuning driver's; the training job has its own record). */
  static final class Trial {
    final int number;
    final String name;
    final Map<String, String> hyperparameters;
    final int resource;
    final int parent;
    final TrainingJobSpec spec;
    final String checkpointUri;
    final Instant created;
    final List<Double> curve = new ArrayList<>();
    TrialState state = TrialState.RUNNING;
    TrainingJobStatus status = TrainingJobStatus.InProgress;
    Double objective;
    String errorKind;
    String failureReason;
    Instant endTime;
    boolean earlyStopped;
    boolean stopRequested;

    Trial(int number, String name, Map<String, String> hyperparameters, int resource, int parent, TrainingJobSpec spec,
        String checkpointUri, Instant created) {
      this.number = number;
      this.name = name;
      this.hyperparameters = Map.copyOf(hyperparameters);
      this.resource = resource;
      this.parent = parent;
      this.spec = spec;
      this.checkpointUri = checkpointUri;
      this.created = created;
    }

    TrialView view(Tuning t) {
      List<Double> losses = curve.stream().map(t::loss).toList();
      return new TrialView(number, hyperparameters, state, objective == null ? Double.NaN : t.loss(objective), losses,
          resource, parent);
    }

    TrialRecord record() {
      return new TrialRecord(number, name, hyperparameters, status.name(),
          state == TrialState.RUNNING ? "Pending" : objective != null ? "Succeeded" : "Failed", objective, curve,
          resource, parent, errorKind, failureReason, null, created, endTime);
    }

    static Trial from(TrialRecord r, TuningJobSpec spec) {
      Trial t = new Trial(r.number(), r.trainingJobName(), r.tunedHyperParameters(), r.resource(), r.parent(), null,
          null, r.creationTime());
      t.curve.addAll(r.curve());
      t.status = TrainingJobStatus.valueOf(r.status());
      t.objective = r.objective();
      t.errorKind = r.errorKind();
      t.failureReason = r.failureReason();
      t.endTime = r.endTime();
      t.state = switch (t.status) {
        case Completed -> TrialState.COMPLETED;
        case Stopped -> t.objective == null ? TrialState.FAILED : TrialState.STOPPED;
        case Failed -> TrialState.FAILED;
        default -> TrialState.RUNNING;
      };
      return t;
    }
  }
}
