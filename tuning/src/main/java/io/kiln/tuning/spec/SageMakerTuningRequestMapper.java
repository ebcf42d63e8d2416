package io.kiln.tuning.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spec.Fields;
import io.kiln.spec.KilnSpecReader;
import io.kiln.spec.SageMakerRequestMapper;
import io.kiln.spec.SageMakerShapes;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.ScalingType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * Maps a SageMaker CreateHyperParameterTuningJob request, as written for AWS, onto a
 * {@link TuningJobSpec}. The request is first checked against the service's request shape; what
 * applies is mapped (the training job definition by the rules of a CreateTrainingJob request), and
 * AWS-only fields are listed once in the spec's notices as ignored.
 */
final class SageMakerTuningRequestMapper {
  /** Top-level members that only mean something on AWS. */
  private static final List<String> AWS_ONLY = List.of("Tags", "Autotune");

  private SageMakerTuningRequestMapper() {}

  static TuningJobSpec map(JsonNode request, String source) {
    SageMakerShapes.get().validate(request, "CreateHyperParameterTuningJobRequest", source);
    Fields root = Fields.root(request, source);
    String name = root.requireText("HyperParameterTuningJobName");
    Fields config = root.object("HyperParameterTuningJobConfig").orElseThrow();
    Fields definition = definition(root);
    List<String> notices = new ArrayList<>();
    List<String> ignored = new ArrayList<>();

    StrategyType strategy = config.enumValue("Strategy", StrategyType.class).orElseThrow();
    Objective objective = objective(config, definition);
    List<ParameterRange> ranges = ranges(config, definition, notices);
    Fields l = config.object("ResourceLimits").orElseThrow();
    ResourceLimits limits = KilnSpecReader.wrap(l, () -> new ResourceLimits(
        l.integer("MaxNumberOfTrainingJobs", 1, StrategyType.Random.maxTrainingJobsLimit())
            .map(Long::intValue).orElse(null),
        l.integer("MaxParallelTrainingJobs", 1, StrategyType.Random.maxTrainingJobsLimit()).orElseThrow().intValue(),
        l.integer("MaxRuntimeInSeconds", ResourceLimits.MIN_RUNTIME_SECONDS, ResourceLimits.MAX_RUNTIME_SECONDS)
            .orElse(null)));
    EarlyStoppingType earlyStopping = config.enumValue("TrainingJobEarlyStoppingType", EarlyStoppingType.class)
        .orElse(EarlyStoppingType.Off);
    CompletionCriteria completion = config.object("TuningJobCompletionCriteria").map(c -> KilnSpecReader.wrap(c,
        () -> new CompletionCriteria(
            c.decimal("TargetObjectiveMetricValue").orElse(null),
            c.object("BestObjectiveNotImproving")
                .flatMap(b -> b.integer("MaxNumberOfTrainingJobsNotImproving",
                    CompletionCriteria.MIN_JOBS_NOT_IMPROVING, Integer.MAX_VALUE))
                .map(Long::intValue).orElse(null),
            c.object("ConvergenceDetected").flatMap(d -> d.text("CompleteOnConvergence"))
                .map("Enabled"::equals).orElse(false))))
        .orElse(CompletionCriteria.none());
    Long randomSeed = config.integer("RandomSeed", 0, Integer.MAX_VALUE).orElse(null);
    WarmStart warmStart = root.object("WarmStartConfig").map(w -> {
      List<String> parents = new ArrayList<>();
      for (Fields p : w.objects("ParentHyperParameterTuningJobs")) {
        parents.add(p.requireText("HyperParameterTuningJobName"));
      }
      WarmStart.Type type = w.enumValue("WarmStartType", WarmStart.Type.class).orElseThrow();
      return KilnSpecReader.wrap(w, () -> new WarmStart(parents, type));
    }).orElse(null);

    TrainingJobSpec trainingJob = SageMakerRequestMapper.mapTrainingJobDefinition(definition,
        TuningJobSpec.templateName(name), ignored);
    HyperbandConfig hyperband = hyperband(config, strategy, trainingJob);
    for (String field : AWS_ONLY) {
      if (root.has(field)) {
        ignored.add(field);
      }
    }
    if (!ignored.isEmpty()) {
      notices.add(SageMakerRequestMapper.notice(ignored));
    }
    return KilnSpecReader.wrap(root, () -> new TuningJobSpec(name, strategy, hyperband, objective, ranges, limits,
        earlyStopping, completion, warmStart, randomSeed, trainingJob, notices));
  }

  /** The one training job definition: TrainingJobDefinition, or a TrainingJobDefinitions list of one. */
  private static Fields definition(Fields root) {
    List<Fields> definitions = root.objects("TrainingJobDefinitions");
    if (root.has("TrainingJobDefinition") && !definitions.isEmpty()) {
      throw root.error("the request has both TrainingJobDefinition and TrainingJobDefinitions; Kiln tunes one "
          + "training job definition per tuning job: give it as TrainingJobDefinition");
    }
    if (definitions.size() > 1) {
      throw root.error("'TrainingJobDefinitions' has " + definitions.size() + " definitions; Kiln tunes one training "
          + "job definition per tuning job: give it as TrainingJobDefinition, and start one tuning job per "
          + "definition");
    }
    if (definitions.size() == 1) {
      return definitions.get(0);
    }
    return root.object("TrainingJobDefinition").orElseThrow(() -> root.error(
        "missing required field 'TrainingJobDefinition': give the training job each trial starts from"));
  }

  /** The objective, from the tuning job config or, as for multi-definition requests, the definition. */
  private static Objective objective(Fields config, Fields definition) {
    Optional<Objective> inConfig = config.object("HyperParameterTuningJobObjective")
        .map(SageMakerTuningRequestMapper::objective);
    Optional<Objective> inDefinition = definition.object("TuningObjective")
        .map(SageMakerTuningRequestMapper::objective);
    if (inConfig.isPresent() && inDefinition.isPresent() && !inConfig.equals(inDefinition)) {
      throw config.error("'" + config.path("HyperParameterTuningJobObjective") + "' (" + describe(inConfig.get())
          + ") and '" + definition.path("TuningObjective") + "' (" + describe(inDefinition.get())
          + ") differ; give the objective once, as " + config.path("HyperParameterTuningJobObjective"));
    }
    return inConfig.or(() -> inDefinition).orElseThrow(() -> config.error("missing required field '"
        + config.path("HyperParameterTuningJobObjective") + "': give Type (Maximize or Minimize) and MetricName"));
  }

  private static Objective objective(Fields o) {
    Objective.Type type = o.enumValue("Type", Objective.Type.class).orElseThrow();
    String metric = o.requireText("MetricName");
    return KilnSpecReader.wrap(o, () -> new Objective(type, metric));
  }

  private static String describe(Objective o) {
    return o.type() + " " + o.metricName();
  }

  /** The ranges, from the tuning job config or, as for multi-definition requests, the definition. */
  private static List<ParameterRange> ranges(Fields config, Fields definition, List<String> notices) {
    Fields inConfig = config.object("ParameterRanges").orElse(null);
    Fields inDefinition = definition.object("HyperParameterRanges").orElse(null);
    if (inConfig == null && inDefinition == null) {
      throw config.error("missing required field '" + config.path("ParameterRanges") + "': give the "
          + "IntegerParameterRanges, ContinuousParameterRanges or CategoricalParameterRanges to tune");
    }
    List<ParameterRange> ranges = inConfig != null ? ranges(inConfig) : ranges(inDefinition);
    if (inConfig != null && inDefinition != null
        && !new HashSet<>(ranges).equals(new HashSet<>(ranges(inDefinition)))) {
      throw config.error("'" + inConfig.path() + "' and '" + inDefinition.path() + "' differ; give the ranges once, "
          + "as " + inConfig.path());
    }
    Fields used = inConfig != null ? inConfig : inDefinition;
    List<String> auto = new ArrayList<>();
    for (Fields a : used.objects("AutoParameters")) {
      auto.add(a.requireText("Name"));
    }
    if (!auto.isEmpty()) {
      notices.add("Not tuning " + String.join(", ", auto) + " (" + used.path("AutoParameters") + "): Kiln does not "
          + "choose ranges itself, so " + (auto.size() == 1 ? "it keeps its" : "they keep their")
          + " default; give an Integer, Continuous or Categorical range to tune " + (auto.size() == 1 ? "it" : "them"));
    }
    return ranges;
  }

  private static List<ParameterRange> ranges(Fields p) {
    List<ParameterRange> ranges = new ArrayList<>();
    for (Fields r : p.objects("IntegerParameterRanges")) {
      String name = r.requireText("Name");
      long min = TuningSpecReader.wholeNumber(r, "MinValue").orElseThrow();
      long max = TuningSpecReader.wholeNumber(r, "MaxValue").orElseThrow();
      ScalingType scaling = r.enumValue("ScalingType", ScalingType.class).orElse(ScalingType.Auto);
      ranges.add(TuningSpecReader.located(r, () -> new ParameterRange.Integer(name, min, max, scaling)));
    }
    for (Fields r : p.objects("ContinuousParameterRanges")) {
      String name = r.requireText("Name");
      double min = r.decimal("MinValue").orElseThrow();
      double max = r.decimal("MaxValue").orElseThrow();
      ScalingType scaling = r.enumValue("ScalingType", ScalingType.class).orElse(ScalingType.Auto);
      ranges.add(TuningSpecReader.located(r, () -> new ParameterRange.Continuous(name, min, max, scaling)));
    }
    for (Fields r : p.objects("CategoricalParameterRanges")) {
      String name = r.requireText("Name");
      List<String> values = r.texts("Values");
      ranges.add(TuningSpecReader.located(r, () -> new ParameterRange.Categorical(name, values)));
    }
    return ranges;
  }

  private static HyperbandConfig hyperband(Fields config, StrategyType strategy, TrainingJobSpec trainingJob) {
    Fields h = config.object("StrategyConfig").flatMap(s -> s.object("HyperbandStrategyConfig")).orElse(null);
    if (strategy != StrategyType.Hyperband) {
      if (h != null) {
        throw config.error("'" + h.path() + "' applies to Strategy Hyperband only, but Strategy is " + strategy
            + "; remove it or set Strategy to Hyperband");
      }
      return null;
    }
    Fields at = h != null ? h : config;
    Long min = h == null ? null : h.integer("MinResource", 1, HyperbandConfig.MAX_RESOURCE_LIMIT).orElse(null);
    Long max = h == null ? null : h.integer("MaxResource", 1, HyperbandConfig.MAX_RESOURCE_LIMIT).orElse(null);
    return KilnSpecReader.wrap(at, () -> HyperbandConfig.completed(min, max, trainingJob.hyperparameters()));
  }
}
