package io.kiln.spec;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.kiln.spi.KilnException;

/**
 * A metric read from the job log by regex, as SageMaker's MetricDefinitions: the first group of
 * {@code regex} is the value.
 *
 * <p>The regex is a user's text applied to every log line, so it is compiled with RE2/J
 * (RE2's syntax: no backreferences, no lookaround), whose matching takes time linear in the line:
 * no regex can hang the driver however it backtracks in a backtracking engine. A regex RE2 does
 * not accept is refused when the spec is read, naming the construct.
 */
public record MetricDefinition(String name, String regex) {
  /** SageMaker's limits: Name 1 to 255 characters, Regex 1 to 500. */
  public MetricDefinition {
    if (name == null || name.isEmpty() || name.length() > 255) {
      throw KilnException.user("MetricDefinitions: Name must have 1 to 255 characters");
    }
    if (regex == null || regex.isEmpty() || regex.length() > 500) {
      throw KilnException.user("MetricDefinitions '" + name + "': Regex must have 1 to 500 characters");
    }
    Pattern p = compile(name, regex);
    if (p.groupCount() < 1) {
      throw KilnException.user("MetricDefinitions '" + name + "': Regex '" + regex
          + "' has no capture group; put the value in parentheses, e.g. loss=(\\S+)");
    }
  }

  /** The compiled regex (RE2 syntax, linear-time matching). */
  public Pattern pattern() {
    return compile(name, regex);
  }

  private static Pattern compile(String name, String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw KilnException.user("MetricDefinitions '" + name + "': Regex '" + regex + "' is not valid: "
          + e.getDescription() + (e.getPattern() == null || e.getPattern().isEmpty() ? "" : " (at '" + e.getPattern()
          + "')") + "; Kiln matches metric regexes in linear time with RE2 syntax, which has no backreferences"
          + " (\\1) or lookaround ((?=, (?!, (?<=, (?<!)");
    }
  }
}
