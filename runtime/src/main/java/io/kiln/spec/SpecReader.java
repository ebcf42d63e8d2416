package io.kiln.spec;

import com.fasterxml.jackson.databind.JsonNode;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a training job from a file or text: Kiln's own spec, or a SageMaker CreateTrainingJob
 * request (recognised by its top-level {@code TrainingJobName}).
 */
public final class SpecReader {
  private SpecReader() {}

  /** What kind of document a spec file holds. */
  public enum Kind {
    KILN_TRAINING,
    SAGEMAKER_TRAINING,
    KILN_TUNING,
    SAGEMAKER_TUNING
  }

  public static TrainingJobSpec readTrainingJob(Path file) {
    return readTrainingJob(readFile(file), file.toString());
  }

  public static TrainingJobSpec readTrainingJob(String text, String source) {
    JsonNode tree = SpecTree.parse(text, source);
    return switch (kind(tree)) {
      case SAGEMAKER_TRAINING -> SageMakerRequestMapper.map(tree, source);
      case KILN_TRAINING -> KilnSpecReader.read(Fields.root(tree, source));
      case SAGEMAKER_TUNING, KILN_TUNING -> throw KilnException.user("Spec " + source
          + " describes a tuning job; run it with 'kiln tune " + source + "'");
    };
  }

  /**
   * Recognises the kind of document by its top-level fields. A request that lacks its job name is
   * still recognised by its other SageMaker members, so the error says the name is missing.
   */
  public static Kind kind(JsonNode tree) {
    if (tree.has("HyperParameterTuningJobName") || tree.has("HyperParameterTuningJobConfig")) {
      return Kind.SAGEMAKER_TUNING;
    }
    if (tree.has("TrainingJobName") || tree.has("AlgorithmSpecification") || tree.has("InputDataConfig")
        || tree.has("OutputDataConfig")) {
      return Kind.SAGEMAKER_TRAINING;
    }
    if (tree.has("trainingJob") || tree.has("parameterRanges") || tree.has("strategy")) {
      return Kind.KILN_TUNING;
    }
    return Kind.KILN_TRAINING;
  }

  /** The largest spec file or text read (bytes / characters): 1 MiB, far above any real job's few KB. */
  public static final int MAX_SPEC_BYTES = 1 << 20;

  /**
   * Reads a spec file as UTF-8, at most {@link #MAX_SPEC_BYTES}: a larger file (or a device such
   * as {@code /dev/zero}) is refused before anything is parsed.
   *
   * @throws KilnException (USER) naming the file: missing, unreadable, too large or not UTF-8
   */
  public static String readFile(Path file) {
    try (java.io.InputStream in = Files.newInputStream(file)) {
      return readText(in, "Spec file " + file);
    } catch (NoSuchFileException e) {
      throw KilnException.user("Spec file " + file + " does not exist");
    } catch (IOException e) {
      throw KilnException.user("Cannot read spec file " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a spec from a stream as UTF-8, at most {@link #MAX_SPEC_BYTES}, with the limits of
   * {@link #readFile}; the caller closes the stream.
   *
   * @param what how messages name the spec, e.g. {@code "Spec file job.yaml"} or {@code "Spec s3://b/job.yaml"}
   * @throws KilnException (USER) when it is too large or not UTF-8
   * @throws IOException when the stream fails
   */
  public static String readText(java.io.InputStream in, String what) throws IOException {
    byte[] bytes = in.readNBytes(MAX_SPEC_BYTES + 1);
    if (bytes.length > MAX_SPEC_BYTES) {
      throw KilnException.user(what + " is larger than " + MAX_SPEC_BYTES / 1024
          + " KiB, the limit for a spec; a job spec is a few KB: check that this is the spec file");
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw KilnException.user(what + " is not UTF-8 text; save it as UTF-8 (JSON or YAML)");
    }
  }
}
