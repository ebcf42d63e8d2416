package io.kiln.algorithms.xgboost;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import ml.dmlc.xgboost4j.java.RabitTracker;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * SageMaker's XGBoost built-in, trained by Kiln's own loop on the xgboost4j core across the job's
 * workers: one round at a time, each round's metrics sent to the driver, the booster able to
 * continue from a saved state.
 *
 * <p>Channels {@code train} (required) and {@code validation}; text/libsvm (the default, as in
 * SageMaker), text/csv, Parquet and application/x-recordio-protobuf (as SageMaker's XGBoost container
 * reads it: features["values"] dense or sparse, the label from label["values"], no weights). The
 * model is {@code xgboost-model} in XGBoost's JSON format, which native XGBoost loads.
 */
public final class XGBoostAlgorithm implements Algorithm<XGBoostHyperparameters> {
  /** The artifact's file name inside model.tar.gz, as SageMaker's XGBoost container writes it. */
  public static final String MODEL_FILE = "xgboost-model";

  private static final List<ContentType> TYPES = List.of(ContentType.LIBSVM, ContentType.CSV, ContentType.PARQUET,
      ContentType.RECORDIO_PROTOBUF);

  @Override
  public String name() {
    return "xgboost";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("sagemaker-xgboost", "xgboost");
  }

  /**
   * {@inheritDoc}
   *
   * <p>ManifestFile channels are read as the prefix channels they list. AugmentedManifestFile
   * channels are refused (the runtime names the channel and the alternatives): SageMaker's XGBoost
   * 1.7-1 container has no augmented-manifest reader; it sees such a channel only in Pipe mode, as
   * the selected attributes' bytes streamed back to back, which it parses as one CSV, Parquet or
   * RecordIO-protobuf stream.
   */
  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, TYPES, ContentType.LIBSVM),
        new ChannelRequirement("validation", false, TYPES, ContentType.LIBSVM));
  }

  /**
   * SageMaker's XGBoost container takes {@code label_size} 1 only ("Optional parameter label_size
   * must be equal to 1"); other parameters such as {@code charset=utf-8} the runtime checks.
   */
  @Override
  public void checkContentType(String channel, MediaType contentType, ContentType format) {
    String labelSize = contentType.parameter("label_size");
    if (labelSize != null && !labelSize.equals("1")) {
      throw KilnException.user("Channel '" + channel + "' has ContentType '" + contentType + "', but XGBoost's "
          + "label_size must be 1 (the label in the first column), as in SageMaker's XGBoost; remove label_size or "
          + "set it to 1");
    }
  }

  /**
   * Every metric the job can report, {@code <channel>:<metric>}, with its direction: the names of
   * SageMaker's XGBoost container ({@link XGBoostMetrics}) that apply to the objective of
   * {@code hyperparameters} (all of them when the objective is not given, e.g. when it is tuned).
   */
  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    String objective = hyperparameters.get("objective");
    List<MetricDescriptor> out = new ArrayList<>();
    for (String set : List.of("train", "validation")) {
      if (!channels.contains(set)) {
        continue;
      }
      for (String m : XGBoostMetrics.names()) {
        if (objective != null && !applies(m, objective.equals("reg:linear") ? "reg:squarederror" : objective)) {
          continue;
        }
        out.add(new MetricDescriptor(set + ":" + m, XGBoostMetrics.maximize(m)));
      }
    }
    return out;
  }

  private static boolean applies(String metric, String objective) {
    try {
      XGBoostMetrics.check(metric, metric, objective);
      return true;
    } catch (KilnException e) {
      return false;
    }
  }

  /** A metric value as logs show it: 6 significant digits, nan and inf as XGBoost prints them. */
  static String format(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return new java.math.BigDecimal(v).round(new java.math.MathContext(6)).stripTrailingZeros().toPlainString();
  }

  @Override
  public java.util.OptionalInt plannedRounds(XGBoostHyperparameters hp) {
    return java.util.OptionalInt.of(hp.numRound());
  }

  @Override
  public XGBoostHyperparameters hyperparameters(Map<String, String> raw) {
    return XGBoostHyperparameters.parse(raw);
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("num_round");
  }

  /** A directory holding {@value #MODEL_FILE} is an XGBoost model (SageMaker's file name). */
  @Override
  public boolean recognizes(java.nio.file.Path modelDirectory) {
    return Files.isRegularFile(modelDirectory.resolve(MODEL_FILE));
  }

  /**
   * Batch prediction with {@value #MODEL_FILE}: one output, {@code score} (a number, or for
   * {@code multi:softprob} the class probabilities); see {@link XGBoostPredictor}.
   */
  @Override
  public io.kiln.spi.Predictor predictor(java.nio.file.Path modelDirectory) {
    return new XGBoostPredictor(modelDirectory);
  }

  @Override
  public boolean modelFromCheckpoint(java.nio.file.Path checkpoint, java.nio.file.Path modelDirectory) {
    java.nio.file.Path model = TrainingState.model(checkpoint);
    if (!Files.isRegularFile(model)) {
      return false;
    }
    try {
      Files.write(modelDirectory.resolve(MODEL_FILE), LegacyModel.compatible(Files.readAllBytes(model)));
      return true;
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    }
  }

  /**
   * What early stopping will do, as SageMaker's container decides it: it watches the validation
   * channel, on the tuning objective's metric or the last eval_metric, and is off without them (the
   * returned line says why, for the job's log).
   *
   * @throws KilnException USER for early stopping with booster=gblinear, whose best round's model
   *     cannot be kept
   */
  static Optional<String> earlyStoppingNote(XGBoostHyperparameters hp, boolean validation) {
    if (hp.earlyStoppingRounds() <= 0) {
      return Optional.empty();
    }
    if (!validation) {
      return Optional.of("early_stopping_rounds=" + hp.earlyStoppingRounds() + " needs a validation channel to "
          + "watch; this job has none, so it trains all " + hp.numRound() + " rounds (as SageMaker's XGBoost "
          + "container does). Add a validation channel to stop early");
    }
    if (hp.earlyStoppingMetric() == null) {
      return Optional.of("early_stopping_rounds=" + hp.earlyStoppingRounds() + " needs eval_metric (or a tuning "
          + "objective) to watch; none is set, so the job trains all " + hp.numRound() + " rounds (as SageMaker's "
          + "XGBoost container does). Set eval_metric to the metric to stop on");
    }
    if (hp.boosterParams().getOrDefault("booster", "gbtree").equals("gblinear")) {
      throw KilnException.user("Hyperparameter early_stopping_rounds=" + hp.earlyStoppingRounds() + " keeps the "
          + "best round's model, which booster=gblinear cannot (its rounds are not separate trees; SageMaker's "
          + "container fails after training with \"`save_best` is not applicable to current booster\"): remove "
          + "early_stopping_rounds or use booster=gbtree");
    }
    return Optional.empty();
  }

  @Override
  public TrainingOutcome train(TrainingContext context, XGBoostHyperparameters hp) {
    hp.checkWorkers(context.workers());
    boolean validation = context.channel("validation").isPresent();
    earlyStoppingNote(hp, validation).ifPresent(context::log);
    Map<String, Boolean> sparse = new HashMap<>();
    context.channels().forEach((name, channel) -> sparse.put(name, channel.contentType().equals(ContentType.LIBSVM)));
    RabitTracker tracker = null;
    try {
      Map<String, Object> communicator = new HashMap<>();
      if (context.workers() > 1) {
        String host = context.spark().sparkContext().getConf().get("spark.driver.host", "127.0.0.1");
        tracker = new RabitTracker(context.workers(), host, 0, 0);
        if (!tracker.start()) {
          throw KilnException.internal("Cannot start XGBoost's tracker on " + host, null);
        }
        communicator.putAll(tracker.getWorkerArgs());
      }
      Map<String, String> contentTypes = new HashMap<>();
      for (String c : List.of("train", "validation")) {
        context.channel(c).ifPresent(d -> contentTypes.put(c, d.contentType().mime()));
      }
      XGBoostWorker worker = new XGBoostWorker(hp, communicator, validation, sparse, contentTypes);
      List<XGBoostWorker.Result> results = context.runOnWorkers(worker);
      XGBoostWorker.Result r = results.get(0);
      Files.write(context.modelDirectory().resolve(MODEL_FILE), LegacyModel.compatible(r.model()));
      return new TrainingOutcome(r.rounds(), r.finalMetrics(), r.stopped());
    } catch (XGBoostError e) {
      throw NativeErrors.translate(e);
    } catch (IOException e) {
      throw KilnException.internal("Cannot write the model file: " + e.getMessage(), e);
    } finally {
      if (tracker != null) {
        try {
          tracker.stop();
        } catch (XGBoostError | RuntimeException ignored) {
          // the tracker ends with the job either way
        }
      }
    }
  }
}
