package io.kiln.tuning.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spec.Fields;
import io.kiln.spec.SpecReader;
import io.kiln.spec.SpecTree;
import io.kiln.spi.KilnException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads a tuning job from a file or text: Kiln's own tuning spec (camelCase, JSON or YAML), or a
 * SageMaker CreateHyperParameterTuningJob request (PascalCase, recognised by its top-level
 * {@code HyperParameterTuningJobName}).
 */
public final class TuningSpecReader {
  private TuningSpecReader() {}

  public static TuningJobSpec readTuningJob(Path file) {
    return readTuningJob(SpecReader.readFile(file), file.toString());
  }

  public static TuningJobSpec readTuningJob(String text, String source) {
    JsonNode tree = SpecTree.parse(text, source);
    return switch (SpecReader.kind(tree)) {
      case SAGEMAKER_TUNING -> SageMakerTuningRequestMapper.map(tree, source);
      case KILN_TUNING -> KilnTuningSpecReader.read(Fields.root(tree, source));
      case SAGEMAKER_TRAINING, KILN_TRAINING -> throw KilnException.user("Spec " + source
          + " is not a tuning job: a Kiln tuning spec has strategy, parameterRanges and trainingJob, a SageMaker "
          + "request has HyperParameterTuningJobName and HyperParameterTuningJobConfig. To train one job, run "
          + "'kiln train " + source + "'");
    };
  }

  /**
   * Builds a value at {@code at}; a validation error of the value itself (a parameter range's own
   * rule) is re-thrown naming the field path: {@code 'parameterRanges[1]': ContinuousParameterRange ...}.
   */
  static <T> T located(Fields at, Supplier<T> build) {
    try {
      return build.get();
    } catch (KilnException e) {
      if (e.getMessage().startsWith("Invalid spec ")) {
        throw e;
      }
      throw at.error("'" + at.path() + "': " + e.getMessage());
    }
  }

  /** A whole number of any size, for a range's bounds. */
  static Optional<Long> wholeNumber(Fields at, String field) {
    return at.text(field).map(v -> {
      try {
        return Long.parseLong(v.trim());
      } catch (NumberFormatException e) {
        throw at.error("field '" + at.path(field) + "' is '" + v + "'; expected a whole number");
      }
    });
  }
}
