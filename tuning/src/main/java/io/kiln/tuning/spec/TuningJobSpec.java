package io.kiln.tuning.spec;

import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.KilnException;
import io.kiln.tuning.space.ParameterRange;
import io.kiln.tuning.space.SearchSpace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A hyperparameter tuning job as Kiln runs it, whichever form it was written in (a Kiln tuning
 * spec or a SageMaker CreateHyperParameterTuningJob request). Validated by SageMaker's rules when
 * built: a value of this type is a tuning job that may start. Messages name each field in both
 * forms, Kiln's first: {@code maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs)}.
 *
 * @param name the tuning job's name (SageMaker's HyperParameterTuningJobName rule: 1 to 32
 *     characters), the prefix of its trials' names
 * @param strategy how the next trial's hyperparameters are chosen
 * @param hyperband Hyperband's resource bounds; set exactly when the strategy is Hyperband
 * @param objective the metric trials are compared by
 * @param parameterRanges the tuned hyperparameters, 1 to 30, each named once
 * @param resourceLimits how many trials, how many at once, how long; for Grid, MaxNumberOfTrainingJobs
 *     defaults to the number of combinations
 * @param earlyStopping whether trials doing badly are stopped early (Off when null)
 * @param completion when the tuning job may end early ({@link CompletionCriteria#none()} when null)
 * @param warmStart earlier tuning jobs to learn from, or null
 * @param randomSeed the seed of the search, or null for one chosen when the job starts
 * @param trainingJob the training job each trial starts from: its hyperparameters are the static
 *     ones; its name is a placeholder ({@link #templateName}), each trial gets its own
 *     ({@link #trialName})
 * @param notices things the reader noticed but did not act on (AWS-only fields), said once
 */
public record TuningJobSpec(
    String name,
    StrategyType strategy,
    HyperbandConfig hyperband,
    Objective objective,
    List<ParameterRange> parameterRanges,
    ResourceLimits resourceLimits,
    EarlyStoppingType earlyStopping,
    CompletionCriteria completion,
    WarmStart warmStart,
    Long randomSeed,
    TrainingJobSpec trainingJob,
    List<String> notices) {

  /** SageMaker's HyperParameterTuningJobName pattern; the length is capped separately. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}");
  public static final int MAX_NAME_LENGTH = 32;
  static final String NAME_RULE = "use 1 to 32 letters, digits and hyphens, starting and ending with a letter or "
      + "digit (SageMaker's HyperParameterTuningJobName rule)";
  /** SageMaker's limit on static and tuned hyperparameters together. */
  public static final int MAX_HYPERPARAMETERS = 100;

  public TuningJobSpec {
    if (!isName(name)) {
      throw KilnException.user("Invalid tuning job name '" + name + "': " + NAME_RULE);
    }
    String job = "Tuning job '" + name + "'";
    if (strategy == null) {
      throw KilnException.user(job + " has no strategy (Strategy); give Bayesian, Random, Grid or Hyperband");
    }
    if (objective == null) {
      throw KilnException.user(job + " has no objective (HyperParameterTuningJobObjective); name the metric to "
          + "Maximize or Minimize, e.g. objective: {type: Maximize, metric: validation:auc}");
    }
    if (resourceLimits == null) {
      throw KilnException.user(job + " has no resource limits (ResourceLimits); set at least maxTrainingJobs");
    }
    if (trainingJob == null) {
      throw KilnException.user(job + " has no training job (trainingJob / TrainingJobDefinition) to tune");
    }
    earlyStopping = earlyStopping == null ? EarlyStoppingType.Off : earlyStopping;
    completion = completion == null ? CompletionCriteria.none() : completion;
    parameterRanges = List.copyOf(parameterRanges);
    List<String> allNotices = new ArrayList<>(notices);
    allNotices.addAll(trainingJob.notices());
    notices = List.copyOf(allNotices);
    // the template's name stands for every trial's, and its notices are the tuning job's to say
    if (!trainingJob.name().equals(templateName(name)) || !trainingJob.notices().isEmpty()) {
      trainingJob = trainingJob.withName(templateName(name)).withNotices(List.of());
    }

    checkRanges(job, parameterRanges, trainingJob);
    resourceLimits = checkStrategy(job, strategy, hyperband, parameterRanges, resourceLimits, earlyStopping);
    if (randomSeed != null && (randomSeed < 0 || randomSeed > Integer.MAX_VALUE)) {
      throw KilnException.user("randomSeed (RandomSeed) is " + randomSeed + "; expected 0 to " + Integer.MAX_VALUE);
    }
    if (warmStart != null && warmStart.parents().contains(name)) {
      throw KilnException.user(job + " names itself as a warm start parent (warmStart.parents / WarmStartConfig."
          + "ParentHyperParameterTuningJobs); warm start from earlier tuning jobs only");
    }
  }

  public static boolean isName(String name) {
    return name != null && name.length() <= MAX_NAME_LENGTH && NAME.matcher(name).matches();
  }

  /** The placeholder name of a tuning job's training job template. */
  public static String templateName(String tuningJobName) {
    return tuningJobName + "-trial";
  }

  /** The name of trial {@code number}, from 1: {@code <name>-<NNN>-<hash>} (see {@link TrialNames}). */
  public String trialName(int number) {
    return TrialNames.of(name, number);
  }

  /** The tuned hyperparameters as the space strategies search. */
  public SearchSpace searchSpace() {
    return new SearchSpace(parameterRanges);
  }

  /** MaxNumberOfTrainingJobs, always set in a built spec. */
  public int maxTrainingJobs() {
    return resourceLimits.maxTrainingJobs();
  }

  private static void checkRanges(String job, List<ParameterRange> ranges, TrainingJobSpec trainingJob) {
    if (ranges.isEmpty()) {
      throw KilnException.user(job + " tunes no hyperparameters: give at least one Integer, Continuous or "
          + "Categorical range (parameterRanges / ParameterRanges)");
    }
    if (ranges.size() > SearchSpace.MAX_RANGES) {
      throw KilnException.user(job + " tunes " + ranges.size() + " hyperparameters (parameterRanges / "
          + "ParameterRanges); at most " + SearchSpace.MAX_RANGES + " can be tuned at once: make the others static");
    }
    Set<String> names = new HashSet<>();
    for (ParameterRange r : ranges) {
      if (!names.add(r.name())) {
        throw KilnException.user(job + " gives hyperparameter " + r.name() + " two ranges (parameterRanges / "
            + "ParameterRanges); give each tuned hyperparameter one range");
      }
      if (trainingJob.hyperparameters().containsKey(r.name())) {
        throw KilnException.user(job + " tunes hyperparameter " + r.name() + " (parameterRanges / ParameterRanges) "
            + "and also sets it to " + trainingJob.hyperparameters().get(r.name())
            + " (trainingJob.hyperparameters / StaticHyperParameters); remove one of the two");
      }
    }
    int total = ranges.size() + trainingJob.hyperparameters().size();
    if (total > MAX_HYPERPARAMETERS) {
      throw KilnException.user(job + " has " + ranges.size() + " tuned and " + trainingJob.hyperparameters().size()
          + " static hyperparameters, " + total + " in all; SageMaker allows at most " + MAX_HYPERPARAMETERS);
    }
  }

  private static ResourceLimits checkStrategy(String job, StrategyType strategy, HyperbandConfig hyperband,
      List<ParameterRange> ranges, ResourceLimits limits, EarlyStoppingType earlyStopping) {
    if (strategy == StrategyType.Hyperband) {
      if (hyperband == null) {
        throw KilnException.user(job + " uses Hyperband but has no hyperband settings (StrategyConfig."
            + "HyperbandStrategyConfig); give minResource and maxResource");
      }
      if (earlyStopping != EarlyStoppingType.Off) {
        throw KilnException.user(job + " uses Hyperband, which stops trials itself, with earlyStopping "
            + "(TrainingJobEarlyStoppingType) " + earlyStopping + "; set it to Off or leave it out");
      }
    } else if (hyperband != null) {
      throw KilnException.user(job + " sets hyperband (StrategyConfig.HyperbandStrategyConfig), which applies to "
          + "the Hyperband strategy only, but its strategy is " + strategy + "; remove it or use Hyperband");
    }
    ResourceLimits resolved = limits;
    if (strategy == StrategyType.Grid) {
      for (ParameterRange r : ranges) {
        if (!(r instanceof ParameterRange.Categorical)) {
          throw KilnException.user(job + " uses Grid search, which tries every combination of categorical values, "
              + "but " + r.name() + " is " + (r instanceof ParameterRange.Integer ? "an Integer" : "a Continuous")
              + " range; give it as a Categorical range listing the values to try, or use Bayesian or Random");
        }
      }
      long combinations = combinations(ranges);
      if (combinations > strategy.maxTrainingJobsLimit()) {
        throw KilnException.user(job + " uses Grid search over " + combinations + " combinations; SageMaker runs at "
            + "most " + strategy.maxTrainingJobsLimit() + " trials: drop values or make some ranges static");
      }
      if (limits.maxTrainingJobs() == null) {
        resolved = limits.withMaxTrainingJobs((int) combinations);
      } else if (limits.maxTrainingJobs() != combinations) {
        throw KilnException.user(job + " uses Grid search over " + combinations + " combinations, but maxTrainingJobs "
            + "(ResourceLimits.MaxNumberOfTrainingJobs) is " + limits.maxTrainingJobs() + "; set it to "
            + combinations + " or leave it out");
      }
    } else {
      if (limits.maxTrainingJobs() == null) {
        throw KilnException.user(job + " uses " + strategy + " search and has no maxTrainingJobs (ResourceLimits."
            + "MaxNumberOfTrainingJobs); set how many trials it may start, at most " + strategy.maxTrainingJobsLimit());
      }
      if (limits.maxTrainingJobs() > strategy.maxTrainingJobsLimit()) {
        throw KilnException.user("maxTrainingJobs (ResourceLimits.MaxNumberOfTrainingJobs) is "
            + limits.maxTrainingJobs() + "; " + strategy + " search runs at most " + strategy.maxTrainingJobsLimit()
            + " trials (SageMaker's limit)");
      }
      checkEnoughCombinations(ranges, limits.maxTrainingJobs());
    }
    if (resolved.maxParallelTrainingJobs() > resolved.maxTrainingJobs()) {
      throw KilnException.user("maxParallelTrainingJobs (ResourceLimits.MaxParallelTrainingJobs) is "
          + resolved.maxParallelTrainingJobs() + ", more than maxTrainingJobs (MaxNumberOfTrainingJobs) "
          + resolved.maxTrainingJobs() + "; set it to at most " + resolved.maxTrainingJobs());
    }
    return resolved;
  }

  /**
   * SageMaker refuses a search whose ranges are all Integer or Categorical with fewer distinct
   * combinations than MaxNumberOfTrainingJobs (the trials would repeat configurations), with a
   * ValidationException worded as this message's first sentences (reported by users, e.g.
   * aws/amazon-sagemaker-operator-for-k8s issue 123). A Continuous range makes the space infinite.
   */
  private static void checkEnoughCombinations(List<ParameterRange> ranges, int maxTrainingJobs) {
    long n = 1;
    for (ParameterRange r : ranges) {
      long size;
      if (r instanceof ParameterRange.Integer i) {
        size = i.max() - i.min() + 1;
      } else if (r instanceof ParameterRange.Categorical c) {
        size = c.values().size();
      } else {
        return;
      }
      n = size <= 0 || n > Long.MAX_VALUE / size ? Long.MAX_VALUE : n * size;
    }
    if (n < maxTrainingJobs) {
      throw KilnException.user("You don't have enough combinations of hyperparameter ranges. The total number of "
          + "hyperparameter combinations for the provided ranges [" + (double) n + "] must be equal or greater than "
          + "the value of MaxNumberOfJobs, [" + maxTrainingJobs + "]. Provide additional ranges. (maxTrainingJobs / "
          + "ResourceLimits.MaxNumberOfTrainingJobs is " + maxTrainingJobs + ", but the Integer and Categorical ranges "
          + "have " + n + " distinct combination(s): set it to at most " + n + ", widen a range or add one)");
    }
  }

  /** The number of Grid combinations, saturating rather than overflowing. */
  private static long combinations(List<ParameterRange> ranges) {
    long n = 1;
    for (ParameterRange r : ranges) {
      n = Math.min(Long.MAX_VALUE / 64, n * ((ParameterRange.Categorical) r).values().size());
    }
    return n;
  }
}
