package io.kiln.runner;

import io.kiln.spec.AlgorithmSpec;
import io.kiln.spec.Names;
import io.kiln.spi.Algorithm;
import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/** The built-in algorithms on the classpath, found through {@link ServiceLoader}. */
public final class Algorithms {
  private final List<Algorithm<?>> all;

  public Algorithms(List<Algorithm<?>> all) {
    this.all = List.copyOf(all);
  }

  @SuppressWarnings({"rawtypes", "unchecked"})
  public static Algorithms load() {
    List<Algorithm<?>> found = new ArrayList<>();
    for (Algorithm a : ServiceLoader.load(Algorithm.class, Algorithms.class.getClassLoader())) {
      found.add(a);
    }
    return new Algorithms(found);
  }

  /** Every algorithm on the classpath. */
  public List<Algorithm<?>> all() {
    return all;
  }

  /** The algorithm whose Kiln name or SageMaker image repository is {@code name} (any case), if any. */
  public java.util.Optional<Algorithm<?>> find(String name) {
    String wanted = name.toLowerCase(Locale.ROOT);
    return all.stream().filter(a -> a.name().equals(wanted) || a.imageRepositories().contains(wanted)).findFirst();
  }

  public List<String> names() {
    return all.stream().map(Algorithm::name).sorted().toList();
  }

  /**
   * Refuses an objective metric that {@code job}'s algorithm cannot emit with the job's
   * hyperparameters and channels (a tuning job's objective, checked when its request is read); for
   * an algorithm whose metrics come from the job's MetricDefinitions (a script), one the job does not
   * define.
   *
   * @param field how the user wrote the field, for the message
   * @throws KilnException USER naming the metric and the ones the algorithm can emit
   */
  public void checkObjective(io.kiln.spec.TrainingJobSpec job, String metric, String field) {
    Algorithm<?> algorithm = resolve(job.algorithm());
    if (algorithm.metricsFromDefinitions()) {
      List<String> defined = job.metricDefinitions().stream().map(io.kiln.spec.MetricDefinition::name).toList();
      if (!defined.contains(metric)) {
        throw KilnException.user(field + " '" + metric + "' is not one of the training job's MetricDefinitions ("
            + (defined.isEmpty() ? "it has none" : String.join(", ", defined)) + ")" + Names.suggestion(metric, defined)
            + " A " + algorithm.name() + " job's metrics are read from its output by its MetricDefinitions: add {Name: "
            + metric + ", Regex: ...} to AlgorithmSpecification.MetricDefinitions (trainingJob.metricDefinitions)");
      }
      return;
    }
    java.util.Set<String> channels = new java.util.LinkedHashSet<>();
    job.channels().forEach(c -> channels.add(c.name()));
    List<String> emitted = algorithm.metrics(job.hyperparameters(), channels).stream()
        .map(io.kiln.spi.MetricDescriptor::name).toList();
    if (!emitted.contains(metric)) {
      throw KilnException.user(field + " '" + metric + "' is not a metric " + algorithm.name() + " emits with the "
          + "job's channels (" + String.join(", ", channels) + ")"
          + (Names.suggestion(metric, emitted).isEmpty() ? "." : Names.suggestion(metric, emitted))
          + " It emits: " + String.join(", ", emitted));
    }
  }

  /**
   * Built-ins that are not in kiln.jar but in a jar of their own, which users add when they train them:
   * algorithm name or SageMaker image repository to that jar's file name. The Deeplearning4j built-ins
   * are in {@code kiln-dl4j.jar} (module {@code dist/dl4j}, Maven profile {@code dl4j}) so that users who do
   * not train them never download ND4J's natives.
   */
  static final java.util.Map<String, String> SEPARATE_JARS =
      java.util.Map.of("image-classification", "kiln-dl4j.jar", "object-detection", "kiln-dl4j.jar");

  /** The algorithm a job names, by its Kiln name or its SageMaker image repository. */
  public Algorithm<?> resolve(AlgorithmSpec spec) {
    String wanted = spec.name().toLowerCase(Locale.ROOT);
    for (Algorithm<?> a : all) {
      if (a.name().equals(wanted) || a.imageRepositories().contains(wanted)) {
        return a;
      }
    }
    String shown = spec.trainingImage() != null ? "TrainingImage '" + spec.trainingImage() + "' (repository '"
        + spec.name() + "')" : "'" + spec.name() + "'";
    String jar = SEPARATE_JARS.get(wanted);
    if (jar != null) {
      throw KilnException.user("Algorithm " + shown + " is a Kiln built-in that ships in " + jar + ", which is not "
          + "on the classpath: build it with 'mvn -DskipTests -Pdl4j package' (dist/target/" + jar + "; scripts/kiln "
          + "then adds it) and with spark-submit add --jars " + jar);
    }
    List<String> candidates = new ArrayList<>(names());
    all.forEach(a -> candidates.addAll(a.imageRepositories()));
    String suggestion = Names.suggestion(spec.name(), candidates);
    if (spec.trainingImage() != null && suggestion.isEmpty()) {
      throw customContainer(spec.trainingImage(), System.getenv("PATH"));
    }
    throw KilnException.user("Unknown algorithm " + shown + (suggestion.isEmpty() ? "." : suggestion)
        + " Available built-in algorithms: " + (names().isEmpty() ? "(none on the classpath)"
        : String.join(", ", names())));
  }

  /** Container engines that could run a custom training image, in the order they are looked for. */
  static final List<String> CONTAINER_ENGINES = List.of("docker", "podman");

  /**
   * The refusal of a TrainingImage that is neither a SageMaker built-in Kiln reimplements nor a
   * framework image its script jobs run (a custom container, SageMaker's "bring your own container"):
   * Kiln runs training in Spark tasks, not in containers; it names whether a container engine is on
   * {@code path} (the driver's PATH, searched for {@link #CONTAINER_ENGINES}) and what to do instead.
   */
  static KilnException customContainer(String image, String path) {
    String engine = null;
    for (String dir : (path == null ? "" : path).split(":")) {
      for (String name : CONTAINER_ENGINES) {
        java.nio.file.Path p = java.nio.file.Path.of(dir.isEmpty() ? "." : dir, name);
        if (engine == null && !dir.isEmpty() && java.nio.file.Files.isExecutable(p)) {
          engine = p.toString();
        }
      }
    }
    String found = engine == null ? "no container engine (" + String.join(", ", CONTAINER_ENGINES)
        + ") was found on the driver's PATH, and Kiln's executors run no containers"
        : "a container engine is on the driver's PATH (" + engine + "), but Kiln's executors do not start containers";
    return KilnException.user("TrainingImage '" + image + "' is a custom container, not a SageMaker built-in or "
        + "framework image Kiln runs (" + found + "); run its training code as a script job instead: a framework "
        + "image (e.g. pytorch-training) with sagemaker_program and sagemaker_submit_directory, or a Kiln spec's "
        + "algorithm.entryPoint, optionally with ContainerEntrypoint as the image's ENTRYPOINT (docs/script-mode.md)");
  }
}
