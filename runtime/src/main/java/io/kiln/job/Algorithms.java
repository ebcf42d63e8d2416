package io.kiln.job;

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

  public List<String> names() {
    return all.stream().map(Algorithm::name).sorted().toList();
  }

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
    List<String> candidates = new ArrayList<>(names());
    all.forEach(a -> candidates.addAll(a.imageRepositories()));
    String suggestion = Names.suggestion(spec.name(), candidates);
    throw KilnException.user("Unknown algorithm " + shown + (suggestion.isEmpty() ? "." : suggestion)
        + " Available built-in algorithms: " + (names().isEmpty() ? "(none on the classpath)"
        : String.join(", ", names())));
  }
}
