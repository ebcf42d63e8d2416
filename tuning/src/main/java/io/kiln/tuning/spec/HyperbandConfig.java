package io.kiln.tuning.spec;

import io.kiln.spi.KilnException;
import java.util.List;
import java.util.Map;

/**
 * SageMaker's HyperbandStrategyConfig: the least and most resource (rounds, epochs) a Hyperband
 * trial trains for.
 *
 * @param minResource MinResource, at least 1
 * @param maxResource MaxResource, greater than minResource and at most 20,000
 */
public record HyperbandConfig(int minResource, int maxResource) {
  /** SageMaker's cap on MaxResource (epochs). */
  public static final int MAX_RESOURCE_LIMIT = 20_000;
  /** MinResource when not given. */
  public static final int DEFAULT_MIN_RESOURCE = 1;
  /** Static hyperparameters SageMaker infers MaxResource from, in the order it looks for them. */
  public static final List<String> RESOURCE_HYPERPARAMETERS =
      List.of("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs");

  public HyperbandConfig {
    check(minResource, maxResource);
  }

  /**
   * The configuration as SageMaker completes it: MinResource defaults to 1; MaxResource, when not
   * given, is the value of the first of {@link #RESOURCE_HYPERPARAMETERS} among the static
   * hyperparameters.
   */
  public static HyperbandConfig completed(Long minResource, Long maxResource,
      Map<String, String> staticHyperparameters) {
    long min = minResource != null ? minResource : DEFAULT_MIN_RESOURCE;
    Long max = maxResource;
    if (max == null) {
      for (String name : RESOURCE_HYPERPARAMETERS) {
        String value = staticHyperparameters.get(name);
        if (value != null) {
          try {
            max = Long.parseLong(value.trim());
          } catch (NumberFormatException e) {
            throw KilnException.user("Hyperband takes MaxResource from the static hyperparameter " + name + "='"
                + value + "', which is not a whole number; set hyperband.maxResource "
                + "(HyperbandStrategyConfig.MaxResource)");
          }
          break;
        }
      }
    }
    if (max == null) {
      throw KilnException.user("Hyperband needs hyperband.maxResource (HyperbandStrategyConfig.MaxResource), the most "
          + "rounds or epochs a trial trains for, and no static hyperparameter (" + String.join(", ",
          RESOURCE_HYPERPARAMETERS) + ") gives it; set it, e.g. to the num_round an XGBoost job would use");
    }
    check(min, max);
    return new HyperbandConfig((int) min, max.intValue());
  }

  private static void check(long minResource, long maxResource) {
    if (minResource < 1 || minResource > MAX_RESOURCE_LIMIT) {
      throw KilnException.user("hyperband.minResource (HyperbandStrategyConfig.MinResource) is " + minResource
          + "; expected 1 to " + MAX_RESOURCE_LIMIT);
    }
    if (maxResource < 1 || maxResource > MAX_RESOURCE_LIMIT) {
      throw KilnException.user("hyperband.maxResource (HyperbandStrategyConfig.MaxResource) is " + maxResource
          + "; expected 1 to " + MAX_RESOURCE_LIMIT);
    }
    if (minResource >= maxResource) {
      throw KilnException.user("hyperband.minResource (HyperbandStrategyConfig.MinResource) is " + minResource
          + ", not below hyperband.maxResource (MaxResource) " + maxResource
          + "; Hyperband needs room to promote trials: make MinResource smaller than MaxResource");
    }
  }
}
