package io.kiln.spec;

import io.kiln.spi.KilnException;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A metric read from the job log by regex, as SageMaker's MetricDefinitions: the first group of
 * {@code regex} is the value.
 */
public record MetricDefinition(String name, String regex) {
  public MetricDefinition {
    if (name == null || name.isEmpty() || name.length() > 255) {
      throw KilnException.user("MetricDefinitions: Name must have 1 to 255 characters");
    }
    if (regex == null || regex.isEmpty() || regex.length() > 500) {
      throw KilnException.user("MetricDefinitions '" + name + "': Regex must have 1 to 500 characters");
    }
    try {
      Pattern p = Pattern.compile(regex);
      if (p.matcher("").groupCount() < 1) {
        throw KilnException.user("MetricDefinitions '" + name + "': Regex '" + regex
            + "' has no capture group; put the value in parentheses, e.g. loss=(\\S+)");
      }
    } catch (PatternSyntaxException e) {
      throw KilnException.user("MetricDefinitions '" + name + "': Regex '" + regex + "' is not valid: "
          + e.getDescription());
    }
  }

  public Pattern pattern() {
    return Pattern.compile(regex);
  }
}
