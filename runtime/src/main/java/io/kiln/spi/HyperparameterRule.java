package io.kiln.spi;

import java.util.List;
import java.util.Locale;

/**
 * How one hyperparameter's value is checked: its kind and accepted range, with SageMaker-style
 * messages ({@code "Hyperparameter max_depth=-1 is not valid: expected a whole number >= 0"}).
 * Every built-in validates its hyperparameters with these rules.
 */
public sealed interface HyperparameterRule {

  /**
   * Checks {@code value}; returns it normalised (a whole number without its {@code .0}, a
   * category in the case it is listed in), or throws a USER {@link KilnException} naming the key,
   * the value and what is accepted.
   */
  String check(String key, String value);

  /**
   * Whether {@code key} is one SageMaker and its SDK add to a job's hyperparameters rather than one
   * the user chose for the algorithm: {@code _}-prefixed keys (the tuner's
   * {@code _tuning_objective_metric}) and {@code sagemaker_}-prefixed keys (the SDK's estimators:
   * {@code sagemaker_program}, {@code sagemaker_container_log_level} ...). An algorithm takes those it
   * uses and never refuses the others as unknown; every tuning trial carries
   * {@code _tuning_objective_metric} (the contract test sends reserved keys with its smoke job).
   */
  static boolean reserved(String key) {
    return key.startsWith("_") || key.startsWith("sagemaker_");
  }

  /** A whole number in [min, max] ({@code 3.0} is accepted as 3). */
  static HyperparameterRule integer(long min, long max) {
    return new IntegerRule(min, max);
  }

  /** A number between {@code min} and {@code max}, each bound open or closed (infinite for none). */
  static HyperparameterRule number(double min, boolean minOpen, double max, boolean maxOpen) {
    return new NumberRule(min, minOpen, max, maxOpen);
  }

  /** One of {@code values}, case-insensitively when they are lower case. */
  static HyperparameterRule oneOf(String... values) {
    return new Categorical(List.of(values));
  }

  /** Any text. */
  static HyperparameterRule text() {
    return new FreeText();
  }

  /** A whole number in [min, max]. */
  record IntegerRule(long min, long max) implements HyperparameterRule {
    @Override
    public String check(String key, String value) {
      long v;
      try {
        double d = Double.parseDouble(value.trim());
        if (d != Math.rint(d) || Double.isInfinite(d)) {
          throw new NumberFormatException();
        }
        v = (long) d;
      } catch (NumberFormatException e) {
        throw bad(key, value, "a whole number " + range());
      }
      if (v < min || v > max) {
        throw bad(key, value, "a whole number " + range());
      }
      return Long.toString(v);
    }

    private String range() {
      if (max >= Integer.MAX_VALUE) {
        return ">= " + min;
      }
      return "from " + min + " to " + max;
    }
  }

  /** A number between bounds, each open or closed. */
  record NumberRule(double min, boolean minOpen, double max, boolean maxOpen) implements HyperparameterRule {
    @Override
    public String check(String key, String value) {
      double v;
      try {
        v = Double.parseDouble(value.trim());
      } catch (NumberFormatException e) {
        throw bad(key, value, "a number " + range());
      }
      boolean ok = !Double.isNaN(v) && (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max);
      if (!ok) {
        throw bad(key, value, "a number " + range());
      }
      return value.trim();
    }

    private String range() {
      String lo = Double.isInfinite(min) ? "(-inf" : (minOpen ? "(" : "[") + fmt(min);
      String hi = Double.isInfinite(max) ? "inf)" : fmt(max) + (maxOpen ? ")" : "]");
      return "in " + lo + ", " + hi;
    }

    private static String fmt(double d) {
      return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
  }

  /** One of a fixed set of values. */
  record Categorical(List<String> values) implements HyperparameterRule {
    @Override
    public String check(String key, String value) {
      String v = value.trim();
      if (values.contains(v)) {
        return v;
      }
      String lower = v.toLowerCase(Locale.ROOT);
      if (values.contains(lower)) {
        return lower;
      }
      throw bad(key, value, "one of " + String.join(", ", values));
    }
  }

  /** Any text, passed to XGBoost as written. */
  record FreeText() implements HyperparameterRule {
    @Override
    public String check(String key, String value) {
      return value.trim();
    }
  }

  private static KilnException bad(String key, String value, String expected) {
    return KilnException.user("Hyperparameter " + key + "=" + Messages.echo(value) + " is not valid: expected " + expected);
  }
}
