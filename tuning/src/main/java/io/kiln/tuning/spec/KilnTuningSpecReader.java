package io.kiln.tuning.spec;

import io.kiln.spec.Fields;
import io.kiln.spec.KilnSpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import java.util.List;

/** Reads Kiln's own tuning spec (camelCase, JSON or YAML); see {@code conf/kiln-tuning.schema.json}. */
final class KilnTuningSpecReader {
  static final List<String> TOP_LEVEL = List.of("name", "strategy", "objective", "parameterRanges",
      "maxTrainingJobs", "maxParallelTrainingJobs", "maxRuntimeSeconds", "earlyStopping", "completion", "hyperband",
      "warmStart", "randomSeed", "trainingJob");
  static final List<String> OBJECTIVE = List.of("type", "metric");
  static final List<String> RANGE = List.of("name", "type", "min", "max", "scaling", "values");
  static final List<String> NUMERIC_RANGE = List.of("name", "type", "min", "max", "scaling");
  static final List<String> CATEGORICAL_RANGE = List.of("name", "type", "values");
  static final List<String> COMPLETION = List.of("targetObjectiveValue", "maxJobsNotImproving",
      "completeOnConvergence");
  static final List<String> HYPERBAND = List.of("minResource", "maxResource");
  static final List<String> WARM_START = List.of("parents", "type");
  /** The most trials any strategy runs (Random's raised limit); each strategy's own limit is checked by the spec. */
  private static final int MAX_JOBS = StrategyType.Random.maxTrainingJobsLimit();

  /** The kinds of range in a Kiln spec's parameterRanges. */
  enum RangeType {
    Integer,
    Continuous,
    Categorical
  }

  private KilnTuningSpecReader() {}

  static TuningJobSpec read(Fields root) {
    root.allowOnly(TOP_LEVEL);
    String name = root.requireText("name");
    if (!TuningJobSpec.isName(name)) {
      throw root.error("field 'name' is '" + name + "'; " + TuningJobSpec.NAME_RULE);
    }
    StrategyType strategy = root.enumValue("strategy", StrategyType.class).orElse(StrategyType.Bayesian);
    Objective objective = root.object("objective").map(KilnTuningSpecReader::objective).orElseThrow(() -> root.error(
        "missing required field 'objective': name the metric trials are compared by, e.g. "
            + "objective: {type: Maximize, metric: validation:auc}"));
    List<ParameterRange> ranges = root.list("parameterRanges", KilnTuningSpecReader::range);
    ResourceLimits limits = KilnSpecReader.wrap(root, () -> new ResourceLimits(
        root.integer("maxTrainingJobs", 1, MAX_JOBS).map(Long::intValue).orElse(null),
        root.integer("maxParallelTrainingJobs", 1, MAX_JOBS).orElse(1L).intValue(),
        root.integer("maxRuntimeSeconds", ResourceLimits.MIN_RUNTIME_SECONDS,
            ResourceLimits.MAX_RUNTIME_SECONDS).orElse(null)));
    EarlyStoppingType earlyStopping = root.enumValue("earlyStopping", EarlyStoppingType.class)
        .orElse(EarlyStoppingType.Off);
    CompletionCriteria completion = root.object("completion").map(c -> {
      c.allowOnly(COMPLETION);
      return KilnSpecReader.wrap(c, () -> new CompletionCriteria(c.decimal("targetObjectiveValue").orElse(null),
          c.integer("maxJobsNotImproving", CompletionCriteria.MIN_JOBS_NOT_IMPROVING, Integer.MAX_VALUE)
              .map(Long::intValue).orElse(null),
          c.bool("completeOnConvergence").orElse(false)));
    }).orElse(CompletionCriteria.none());
    WarmStart warmStart = root.object("warmStart").map(w -> {
      w.allowOnly(WARM_START);
      List<String> parents = w.texts("parents");
      WarmStart.Type type = w.enumValue("type", WarmStart.Type.class).orElse(null);
      return KilnSpecReader.wrap(w, () -> new WarmStart(parents, type));
    }).orElse(null);
    Long randomSeed = root.integer("randomSeed", 0, Integer.MAX_VALUE).orElse(null);
    Fields job = root.object("trainingJob").orElseThrow(() -> root.error("missing required field 'trainingJob': "
        + "give the training job each trial starts from, as a Kiln training spec without a name"));
    if (job.has("name")) {
      throw job.error("field '" + job.path("name") + "' is set; trials take their names from the tuning job ("
          + name + "-001-..., " + name + "-002-...): remove it");
    }
    TrainingJobSpec trainingJob = KilnSpecReader.readUnnamed(job, TuningJobSpec.templateName(name));
    HyperbandConfig hyperband = hyperband(root, strategy, trainingJob);
    return KilnSpecReader.wrap(root, () -> new TuningJobSpec(name, strategy, hyperband, objective, ranges, limits,
        earlyStopping, completion, warmStart, randomSeed, trainingJob, List.of()));
  }

  private static Objective objective(Fields o) {
    o.allowOnly(OBJECTIVE);
    Objective.Type type = o.enumValue("type", Objective.Type.class).orElseThrow(() -> o.error(
        "missing required field '" + o.path("type") + "': give Maximize or Minimize"));
    String metric = o.requireText("metric");
    return KilnSpecReader.wrap(o, () -> new Objective(type, metric));
  }

  private static ParameterRange range(Fields r) {
    r.allowOnly(RANGE);
    RangeType type = r.enumValue("type", RangeType.class).orElseThrow(() -> r.error("missing required field '"
        + r.path("type") + "': give Integer, Continuous or Categorical"));
    String name = r.requireText("name");
    return switch (type) {
      case Integer -> {
        r.allowOnly(NUMERIC_RANGE);
        long min = TuningSpecReader.wholeNumber(r, "min").orElseThrow(() -> missing(r, "min"));
        long max = TuningSpecReader.wholeNumber(r, "max").orElseThrow(() -> missing(r, "max"));
        ScalingType scaling = r.enumValue("scaling", ScalingType.class).orElse(ScalingType.Auto);
        yield TuningSpecReader.located(r, () -> new ParameterRange.Integer(name, min, max, scaling));
      }
      case Continuous -> {
        r.allowOnly(NUMERIC_RANGE);
        double min = r.decimal("min").orElseThrow(() -> missing(r, "min"));
        double max = r.decimal("max").orElseThrow(() -> missing(r, "max"));
        ScalingType scaling = r.enumValue("scaling", ScalingType.class).orElse(ScalingType.Auto);
        yield TuningSpecReader.located(r, () -> new ParameterRange.Continuous(name, min, max, scaling));
      }
      case Categorical -> {
        r.allowOnly(CATEGORICAL_RANGE);
        List<String> values = r.texts("values");
        yield TuningSpecReader.located(r, () -> new ParameterRange.Categorical(name, values));
      }
    };
  }

  private static RuntimeException missing(Fields r, String field) {
    return r.error("missing required field '" + r.path(field) + "'");
  }

  private static HyperbandConfig hyperband(Fields root, StrategyType strategy, TrainingJobSpec trainingJob) {
    Fields h = root.object("hyperband").orElse(null);
    if (strategy != StrategyType.Hyperband) {
      if (h != null) {
        throw root.error("field 'hyperband' applies to strategy Hyperband only, but strategy is " + strategy
            + "; remove it or set strategy: Hyperband");
      }
      return null;
    }
    if (h == null) {
      return KilnSpecReader.wrap(root, () -> HyperbandConfig.completed(null, null, trainingJob.hyperparameters()));
    }
    h.allowOnly(HYPERBAND);
    Long min = h.integer("minResource", 1, HyperbandConfig.MAX_RESOURCE_LIMIT).orElse(null);
    Long max = h.integer("maxResource", 1, HyperbandConfig.MAX_RESOURCE_LIMIT).orElse(null);
    return KilnSpecReader.wrap(h, () -> HyperbandConfig.completed(min, max, trainingJob.hyperparameters()));
  }
}
