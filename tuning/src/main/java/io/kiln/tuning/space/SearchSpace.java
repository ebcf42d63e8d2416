package io.kiln.tuning.space;

import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The tunable hyperparameters, and the unit cube strategies search in. Each Integer or Continuous
 * range is one coordinate in [0, 1] after its scaling (linear, log, or log(1 - x)); a categorical
 * range with k values is k coordinates, one-hot. {@link #decode} maps any point of the cube back
 * to hyperparameter values (integers rounded in the original scale, categories by the largest
 * coordinate).
 */
public final class SearchSpace {
  /** SageMaker's limit on hyperparameters searched at once. */
  public static final int MAX_RANGES = 30;

  private final List<ParameterRange> ranges;
  private final int[] offsets;
  private final int dimensions;

  public SearchSpace(List<ParameterRange> ranges) {
    this.ranges = List.copyOf(ranges);
    if (ranges.isEmpty()) {
      throw KilnException.user("ParameterRanges is empty: give at least one Integer, Continuous or Categorical range");
    }
    if (ranges.size() > MAX_RANGES) {
      throw KilnException.user("ParameterRanges has " + ranges.size() + " hyperparameters; at most " + MAX_RANGES
          + " can be searched");
    }
    Set<String> names = new HashSet<>();
    offsets = new int[ranges.size()];
    int d = 0;
    for (int i = 0; i < ranges.size(); i++) {
      ParameterRange r = ranges.get(i);
      if (!names.add(r.name())) {
        throw KilnException.user("ParameterRanges names hyperparameter " + r.name() + " twice");
      }
      offsets[i] = d;
      d += width(r);
    }
    dimensions = d;
  }

  public List<ParameterRange> ranges() {
    return ranges;
  }

  public List<String> names() {
    return ranges.stream().map(ParameterRange::name).toList();
  }

  /** Coordinates of the unit cube. */
  public int dimensions() {
    return dimensions;
  }

  /** Where range {@code i}'s coordinates start. */
  public int offset(int i) {
    return offsets[i];
  }

  public static int width(ParameterRange r) {
    return r instanceof ParameterRange.Categorical c ? c.values().size() : 1;
  }

  /** True when every range is categorical (what Grid search needs). */
  public boolean categoricalOnly() {
    return ranges.stream().allMatch(r -> r instanceof ParameterRange.Categorical);
  }

  /** A uniform draw in the unit cube, decoded. */
  public Map<String, String> sample(Random random) {
    double[] u = new double[dimensions];
    for (int i = 0; i < ranges.size(); i++) {
      ParameterRange r = ranges.get(i);
      if (r instanceof ParameterRange.Categorical c) {
        u[offsets[i] + random.nextInt(c.values().size())] = 1;
      } else {
        u[offsets[i]] = random.nextDouble();
      }
    }
    return decode(u);
  }

  /** Hyperparameter values to cube coordinates (categoricals one-hot). */
  public double[] encode(Map<String, String> values) {
    double[] u = new double[dimensions];
    for (int i = 0; i < ranges.size(); i++) {
      ParameterRange r = ranges.get(i);
      String v = values.get(r.name());
      if (v == null) {
        throw new IllegalArgumentException("no value for " + r.name());
      }
      if (r instanceof ParameterRange.Integer ir) {
        u[offsets[i]] = toUnit(Double.parseDouble(v), ir.min(), ir.max(), ir.scaling());
      } else if (r instanceof ParameterRange.Continuous cr) {
        u[offsets[i]] = toUnit(Double.parseDouble(v), cr.min(), cr.max(), cr.scaling());
      } else {
        ParameterRange.Categorical c = (ParameterRange.Categorical) r;
        int k = c.values().indexOf(v);
        if (k < 0) {
          throw new IllegalArgumentException(v + " is not a value of " + c.name());
        }
        u[offsets[i] + k] = 1;
      }
    }
    return u;
  }

  /** Cube coordinates to hyperparameter values: integers rounded, categories by the largest coordinate. */
  public Map<String, String> decode(double[] u) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < ranges.size(); i++) {
      ParameterRange r = ranges.get(i);
      if (r instanceof ParameterRange.Integer ir) {
        double x = fromUnit(clamp(u[offsets[i]]), ir.min(), ir.max(), ir.scaling());
        long v = Math.max(ir.min(), Math.min(ir.max(), Math.round(x)));
        out.put(r.name(), Long.toString(v));
      } else if (r instanceof ParameterRange.Continuous cr) {
        double x = fromUnit(clamp(u[offsets[i]]), cr.min(), cr.max(), cr.scaling());
        out.put(r.name(), format(Math.max(cr.min(), Math.min(cr.max(), x))));
      } else {
        ParameterRange.Categorical c = (ParameterRange.Categorical) r;
        int best = 0;
        for (int k = 1; k < c.values().size(); k++) {
          if (u[offsets[i] + k] > u[offsets[i] + best]) {
            best = k;
          }
        }
        out.put(r.name(), c.values().get(best));
      }
    }
    return out;
  }

  /** Rounds a point to what it decodes to (integers and categories snapped), in cube coordinates. */
  public double[] snap(double[] u) {
    return encode(decode(u));
  }

  static double toUnit(double x, double min, double max, ScalingType s) {
    if (max == min) {
      return 0.5;
    }
    return switch (s) {
      case Logarithmic -> (Math.log(x) - Math.log(min)) / (Math.log(max) - Math.log(min));
      case ReverseLogarithmic -> (Math.log(1 - min) - Math.log(1 - x)) / (Math.log(1 - min) - Math.log(1 - max));
      default -> (x - min) / (max - min);
    };
  }

  static double fromUnit(double u, double min, double max, ScalingType s) {
    return switch (s) {
      case Logarithmic -> Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
      case ReverseLogarithmic -> 1 - Math.exp(Math.log(1 - min) - u * (Math.log(1 - min) - Math.log(1 - max)));
      default -> min + u * (max - min);
    };
  }

  private static double clamp(double u) {
    return Math.max(0, Math.min(1, u));
  }

  /** A value as a hyperparameter string: the shortest decimal that reads back as the same double. */
  static String format(double x) {
    String s = Double.toString(x);
    if (s.contains("E")) {
      return String.format(Locale.ROOT, "%.10g", x).replaceAll("0+e", "e").replaceAll("\\.e", "e");
    }
    return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
  }

  /** Every combination of categorical values, in order (for Grid search); empty when not all categorical. */
  public List<Map<String, String>> grid() {
    List<Map<String, String>> out = new ArrayList<>();
    if (!categoricalOnly()) {
      return out;
    }
    out.add(new LinkedHashMap<>());
    for (ParameterRange r : ranges) {
      List<Map<String, String>> next = new ArrayList<>();
      for (Map<String, String> partial : out) {
        for (String v : ((ParameterRange.Categorical) r).values()) {
          Map<String, String> m = new LinkedHashMap<>(partial);
          m.put(r.name(), v);
          next.add(m);
        }
      }
      out = next;
    }
    return out;
  }
}
