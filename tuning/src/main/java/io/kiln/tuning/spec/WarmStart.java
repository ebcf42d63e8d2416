package io.kiln.tuning.spec;

import io.kiln.spi.KilnException;
import java.util.HashSet;
import java.util.List;

/**
 * SageMaker's HyperParameterTuningJobWarmStartConfig: earlier tuning jobs whose trials this one
 * learns from.
 *
 * @param parents ParentHyperParameterTuningJobs: 1 to 5 tuning job names
 * @param type WarmStartType
 */
public record WarmStart(List<String> parents, Type type) {
  /** SageMaker's limit on parent tuning jobs. */
  public static final int MAX_PARENTS = 5;

  public WarmStart {
    parents = List.copyOf(parents);
    if (parents.isEmpty() || parents.size() > MAX_PARENTS) {
      throw KilnException.user("warmStart.parents (WarmStartConfig.ParentHyperParameterTuningJobs) names "
          + parents.size() + " tuning jobs; give 1 to " + MAX_PARENTS);
    }
    for (String parent : parents) {
      if (!TuningJobSpec.isName(parent)) {
        throw KilnException.user("warmStart.parents (WarmStartConfig.ParentHyperParameterTuningJobs) names '"
            + parent + "', which is not a tuning job name: " + TuningJobSpec.NAME_RULE);
      }
    }
    if (new HashSet<>(parents).size() != parents.size()) {
      throw KilnException.user("warmStart.parents (WarmStartConfig.ParentHyperParameterTuningJobs) " + parents
          + " names a tuning job twice; name each parent once");
    }
    if (type == null) {
      throw KilnException.user("warmStart.type (WarmStartConfig.WarmStartType) is missing; give "
          + "IdenticalDataAndAlgorithm or TransferLearning");
    }
  }

  /** SageMaker's HyperParameterTuningJobWarmStartType. */
  public enum Type {
    /** Same data and algorithm image as the parents: their trials count as this job's own. */
    IdenticalDataAndAlgorithm,
    /** Data, ranges or image version may differ: the parents' trials inform the search. */
    TransferLearning
  }
}
