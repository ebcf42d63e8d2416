package io.kiln.spec;

import java.util.Collection;
import java.util.Locale;
import java.util.regex.Pattern;

/** SageMaker's naming rules, and "did you mean" suggestions for misspelt names. */
public final class Names {
  /**
   * TrainingJobName / HyperParameterTuningJobName: letters, digits and hyphens. The service model
   * caps the length at 63 separately: the pattern alone admits longer names when they hold hyphens.
   */
  public static final Pattern JOB_NAME = Pattern.compile("[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}");
  public static final int MAX_JOB_NAME_LENGTH = 63;
  /** ChannelName. */
  public static final Pattern CHANNEL_NAME = Pattern.compile("[A-Za-z0-9.\\-_]{1,64}");

  private Names() {}

  public static boolean isJobName(String name) {
    return name != null && name.length() <= MAX_JOB_NAME_LENGTH && JOB_NAME.matcher(name).matches();
  }

  /** The closest candidate within a small edit distance, or empty. */
  public static String closest(String name, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    String lower = name.toLowerCase(Locale.ROOT);
    for (String c : candidates) {
      int d = distance(lower, c.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    if (best == null) {
      return "";
    }
    int allowed = Math.max(2, Math.min(name.length(), best.length()) / 3);
    boolean related = bestDistance <= allowed
        || best.toLowerCase(Locale.ROOT).contains(lower) || lower.contains(best.toLowerCase(Locale.ROOT));
    return related ? best : "";
  }

  /** "; did you mean 'x'?" or nothing. */
  public static String suggestion(String name, Collection<String> candidates) {
    String c = closest(name, candidates);
    return c.isEmpty() ? "" : "; did you mean '" + c + "'?";
  }

  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
