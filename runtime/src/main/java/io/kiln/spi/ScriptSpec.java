package io.kiln.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A user's training script (SageMaker's script mode): what runs on every worker of a script job.
 * Validated when built; messages name each field in both spellings a job is written in, Kiln's spec
 * ({@code algorithm.entryPoint}) and SageMaker's request (the SDK's hyperparameter
 * {@code sagemaker_program}).
 *
 * @param entryPoint the file to run, relative to the source's root ({@code train.py},
 *     {@code src/train.py}): Kiln's {@code algorithm.entryPoint}, the SDK's
 *     {@code sagemaker_program}. No leading {@code /}, no {@code .} or {@code ..} segment, no
 *     backslash or control character, at most 256 characters. Or {@code java:<class>}, a Java
 *     trainer class in the source's jars ({@link #javaClass()})
 * @param source where the code is: an {@code s3://…/sourcedir.tar.gz} (gzip-compressed tar, as the
 *     SDK uploads it) or a directory URI (every object under it), any URI Hadoop reads; Kiln's
 *     {@code algorithm.source}, the SDK's {@code sagemaker_submit_directory}. Required
 * @param interpreter the program that runs the entry point, a name found on the worker's PATH or an
 *     absolute path ({@code python3} by default); Kiln's {@code algorithm.interpreter}
 * @param arguments arguments given to the entry point before the hyperparameters' {@code --key value}
 *     pairs; Kiln's {@code algorithm.arguments}
 * @param containerEntrypoint SageMaker's {@code ContainerEntrypoint} (Kiln's
 *     {@code algorithm.containerEntrypoint}): when not empty, the command each worker runs instead of
 *     {@code <interpreter> <entryPoint> …}, as it replaces a container's ENTRYPOINT; its first word a
 *     program on the PATH, an absolute path or a path inside the source; no hyperparameter arguments
 *     are added (the program reads {@code hyperparameters.json} or {@code SM_HPS}). At most 100 items of
 *     at most 256 characters, SageMaker's limits
 * @param containerArguments SageMaker's {@code ContainerArguments} (Kiln's
 *     {@code algorithm.containerArguments}): appended to {@code containerEntrypoint}, as they replace a
 *     container's CMD; only with a {@code containerEntrypoint}. Same limits
 */
public record ScriptSpec(String entryPoint, String source, String interpreter, List<String> arguments,
    List<String> containerEntrypoint, List<String> containerArguments) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The interpreter when none is given, as SageMaker's framework containers run scripts. */
  public static final String DEFAULT_INTERPRETER = "python3";
  /** The SDK's hyperparameter naming the entry point. */
  public static final String PROGRAM = "sagemaker_program";
  /** The SDK's hyperparameter naming the source archive. */
  public static final String SUBMIT_DIRECTORY = "sagemaker_submit_directory";
  /**
   * An entry point starting with this names a Java trainer class in the source's jars
   * ({@code java:com.example.Train}) instead of a file.
   */
  public static final String JAVA_PREFIX = "java:";
  private static final java.util.regex.Pattern JAVA_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

  private static final ObjectMapper JSON = new ObjectMapper();

  public ScriptSpec {
    if (entryPoint == null || entryPoint.isBlank()) {
      throw KilnException.user("The script has no entry point: set algorithm.entryPoint (hyperparameter "
          + PROGRAM + "), e.g. train.py");
    }
    if (entryPoint.startsWith(JAVA_PREFIX)) {
      String name = entryPoint.substring(JAVA_PREFIX.length());
      if (name.length() > 256 || !JAVA_NAME.matcher(name).matches()) {
        throw KilnException.user("algorithm.entryPoint (hyperparameter " + PROGRAM + ") '" + Messages.echo(entryPoint)
            + "' names no Java class; write java: and the class's binary name (java:com.example.Train)");
      }
    } else {
      checkRelative(entryPoint, "algorithm.entryPoint (hyperparameter " + PROGRAM + ")");
    }
    if (source == null || source.isBlank()) {
      throw KilnException.user("The script '" + Messages.echo(entryPoint) + "' has no source: set algorithm.source "
          + "(hyperparameter " + SUBMIT_DIRECTORY + ") to an s3://…/sourcedir.tar.gz or a directory URI holding it");
    }
    if (source.length() > 1024 || source.chars().anyMatch(Character::isISOControl) || !source.contains(":/")) {
      throw KilnException.user("algorithm.source (hyperparameter " + SUBMIT_DIRECTORY + ") '" + Messages.echo(source)
          + "' is not a URI; give s3://bucket/prefix/sourcedir.tar.gz or a directory URI (scheme://…)");
    }
    if (interpreter == null || interpreter.isBlank()) {
      interpreter = DEFAULT_INTERPRETER;
    }
    if (interpreter.length() > 256 || interpreter.chars().anyMatch(c -> Character.isISOControl(c) || c == ' ')) {
      throw KilnException.user("algorithm.interpreter '" + Messages.echo(interpreter) + "' is not a program name; "
          + "give one word found on the workers' PATH (python3) or an absolute path (/usr/bin/python3)");
    }
    if (interpreter.contains("/") && !interpreter.startsWith("/")) {
      throw KilnException.user("algorithm.interpreter '" + Messages.echo(interpreter) + "' is a relative path; give "
          + "a name found on the workers' PATH (python3) or an absolute path (/usr/bin/python3)");
    }
    arguments = arguments == null ? List.of() : List.copyOf(arguments);
    for (String a : arguments) {
      if (a == null || a.indexOf('\0') >= 0) {
        throw KilnException.user("algorithm.arguments holds an empty (null) or NUL-containing argument; give strings");
      }
    }
    containerEntrypoint = containerWords(containerEntrypoint, "ContainerEntrypoint", "containerEntrypoint");
    containerArguments = containerWords(containerArguments, "ContainerArguments", "containerArguments");
    if (!containerArguments.isEmpty() && containerEntrypoint.isEmpty()) {
      throw KilnException.user("AlgorithmSpecification.ContainerArguments (algorithm.containerArguments) is given "
          + "without ContainerEntrypoint (algorithm.containerEntrypoint); Kiln's framework images have no default "
          + "ENTRYPOINT to pass them to: give the program as ContainerEntrypoint, or the arguments as "
          + "algorithm.arguments of the script");
    }
    if (!containerEntrypoint.isEmpty()) {
      String program = containerEntrypoint.get(0);
      if (program.isBlank() || program.contains(" ")) {
        throw KilnException.user("AlgorithmSpecification.ContainerEntrypoint[0] (algorithm.containerEntrypoint[0]) '"
            + Messages.echo(program) + "' is not a program; give one word found on the workers' PATH (sh), an "
            + "absolute path (/bin/sh) or a path inside the source (bin/train)");
      }
      if (!program.startsWith("/") && program.contains("/")) {
        checkRelative(program, "AlgorithmSpecification.ContainerEntrypoint[0] (algorithm.containerEntrypoint[0])");
      }
    }
  }

  /**
   * A script with the entry point's usual command (no ContainerEntrypoint / ContainerArguments).
   */
  public ScriptSpec(String entryPoint, String source, String interpreter, List<String> arguments) {
    this(entryPoint, source, interpreter, arguments, null, null);
  }

  /** This script with SageMaker's ContainerEntrypoint and ContainerArguments (either may be empty or null). */
  public ScriptSpec withContainerCommand(List<String> entrypoint, List<String> containerArguments) {
    return new ScriptSpec(entryPoint, source, interpreter, arguments, entrypoint, containerArguments);
  }

  private static List<String> containerWords(List<String> words, String field, String kilnField) {
    if (words == null) {
      return List.of();
    }
    if (words.size() > 100) {
      throw KilnException.user("AlgorithmSpecification." + field + " (algorithm." + kilnField + ") has " + words.size()
          + " items; SageMaker allows at most 100");
    }
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (w == null || w.length() > 256 || w.indexOf('\0') >= 0) {
        throw KilnException.user("AlgorithmSpecification." + field + "[" + i + "] (algorithm." + kilnField + "[" + i
            + "]) is empty (null), longer than 256 characters or holds a NUL; give strings of at most 256 characters, "
            + "as SageMaker");
      }
    }
    return List.copyOf(words);
  }

  /** The Java trainer class this entry point names ({@code java:<class>}), or empty for a file. */
  public Optional<String> javaClass() {
    return entryPoint.startsWith(JAVA_PREFIX) ? Optional.of(entryPoint.substring(JAVA_PREFIX.length()))
        : Optional.empty();
  }

  /** A script with the default interpreter and no extra arguments. */
  public ScriptSpec(String entryPoint, String source) {
    this(entryPoint, source, null, null);
  }

  private static void checkRelative(String path, String field) {
    if (path.length() > 256 || path.startsWith("/") || path.contains("\\")
        || path.chars().anyMatch(Character::isISOControl)) {
      throw KilnException.user(field + " '" + Messages.echo(path) + "' must be a path relative to the source's root, "
          + "with / separators (train.py, src/train.py)");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw KilnException.user(field + " '" + Messages.echo(path) + "' has an empty, '.' or '..' segment; name "
            + "the file inside the source (train.py, src/train.py)");
      }
    }
  }

  /**
   * The script a SageMaker request's hyperparameters name, as the SageMaker Python SDK writes them:
   * {@code sagemaker_program} and {@code sagemaker_submit_directory} are JSON-encoded strings
   * ({@code "\"train.py\""}); a bare value is taken as written. Empty when there is no
   * {@code sagemaker_program}.
   *
   * @throws KilnException USER when a value is JSON but not a string, or the script is invalid
   */
  public static Optional<ScriptSpec> fromHyperparameters(Map<String, String> hyperparameters) {
    String program = hyperparameters.get(PROGRAM);
    if (program == null) {
      return Optional.empty();
    }
    String source = hyperparameters.get(SUBMIT_DIRECTORY);
    return Optional.of(new ScriptSpec(sdkString(PROGRAM, program),
        source == null ? null : sdkString(SUBMIT_DIRECTORY, source), null, null));
  }

  /**
   * A hyperparameter value the SDK JSON-encodes: the decoded string, or the value itself when it is
   * not JSON (a request written by hand).
   *
   * @throws KilnException USER naming the key when the value is JSON of another type
   */
  public static String sdkString(String key, String value) {
    JsonNode node;
    try {
      node = JSON.readTree(value);
    } catch (java.io.IOException e) {
      return value;
    }
    if (node == null || node.isMissingNode()) {
      return value;
    }
    if (!node.isTextual()) {
      throw KilnException.user("Hyperparameter " + key + " is " + Messages.echo(value) + ", not a string; the SageMaker "
          + "SDK writes it as a JSON string (\"\\\"train.py\\\"\")");
    }
    return node.textValue();
  }

  /** This script as the SDK's hyperparameters: {@code sagemaker_program} and {@code sagemaker_submit_directory}, JSON-encoded. */
  public Map<String, String> sdkHyperparameters() {
    try {
      return Map.of(PROGRAM, JSON.writeValueAsString(entryPoint), SUBMIT_DIRECTORY, JSON.writeValueAsString(source));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
