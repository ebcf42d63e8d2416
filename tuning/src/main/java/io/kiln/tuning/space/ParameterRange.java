package io.kiln.tuning.space;

import io.kiln.spi.KilnException;
import java.util.HashSet;
import java.util.List;

/**
 * One tunable hyperparameter: SageMaker's IntegerParameterRange, ContinuousParameterRange or
 * CategoricalParameterRange, validated by SageMaker's rules when built.
 */
public sealed interface ParameterRange permits ParameterRange.Integer, ParameterRange.Continuous,
    ParameterRange.Categorical {

  String name();

  /** Whole numbers in [min, max]. */
  record Integer(String name, long min, long max, ScalingType scaling) implements ParameterRange {
    public Integer {
      requireName(name);
      if (scaling == null) {
        scaling = ScalingType.Auto;
      }
      if (min > max) {
        throw KilnException.user("IntegerParameterRange " + name + ": MinValue " + min + " is greater than MaxValue "
            + max);
      }
      if (scaling == ScalingType.Logarithmic && min <= 0) {
        throw KilnException.user("IntegerParameterRange " + name + ": Logarithmic scaling needs MinValue > 0, not "
            + min);
      }
      if (scaling == ScalingType.ReverseLogarithmic) {
        throw KilnException.user("IntegerParameterRange " + name + ": ReverseLogarithmic scaling is for continuous "
            + "ranges only; use Linear or Logarithmic");
      }
    }
  }

  /** Real numbers in [min, max]. */
  record Continuous(String name, double min, double max, ScalingType scaling) implements ParameterRange {
    public Continuous {
      requireName(name);
      if (scaling == null) {
        scaling = ScalingType.Auto;
      }
      if (!Double.isFinite(min) || !Double.isFinite(max)) {
        throw KilnException.user("ContinuousParameterRange " + name + ": MinValue and MaxValue must be finite numbers");
      }
      if (min >= max) {
        throw KilnException.user("ContinuousParameterRange " + name + ": MinValue " + min + " must be less than MaxValue "
            + max);
      }
      if (scaling == ScalingType.Logarithmic && min <= 0) {
        throw KilnException.user("ContinuousParameterRange " + name + ": Logarithmic scaling needs MinValue > 0, not "
            + min);
      }
      if (scaling == ScalingType.ReverseLogarithmic && (min < 0 || max >= 1)) {
        throw KilnException.user("ContinuousParameterRange " + name + ": ReverseLogarithmic scaling needs the whole "
            + "range within 0 <= x < 1, not [" + min + ", " + max + "]");
      }
    }
  }

  /** One of a list of values, as strings. */
  record Categorical(String name, List<String> values) implements ParameterRange {
    public Categorical {
      requireName(name);
      values = List.copyOf(values);
      if (values.isEmpty() || values.size() > 30) {
        throw KilnException.user("CategoricalParameterRange " + name + ": Values needs 1 to 30 values, not "
            + values.size());
      }
      if (new HashSet<>(values).size() != values.size()) {
        throw KilnException.user("CategoricalParameterRange " + name + ": Values " + values + " repeat a value");
      }
    }
  }

  private static void requireName(String name) {
    if (name == null || name.isBlank() || name.length() > 256) {
      throw KilnException.user("A parameter range needs a Name of 1 to 256 characters");
    }
  }
}
