package io.kiln.runner;

import io.kiln.spec.ChannelSpec;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.storage.StorageProbe;
import io.kiln.storage.Uris;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;

/**
 * Decides whether a job may start, before any work: first what the spec alone decides (the
 * algorithm, its hyperparameters, the channels' formats, the output path: a failure there is a bad
 * spec, exit 2), then what the cluster and storage decide (barrier execution allowed, task slots,
 * channels readable, output and checkpoint locations writable).
 */
final class Admission {
  private Admission() {}

  /**
   * What the spec decides, once per job.
   *
   * @param algorithm the algorithm
   * @param hyperparameters its typed hyperparameters
   * @param contentTypes each channel's ContentType as written
   * @param formats each channel's format
   * @param plannedRounds rounds or epochs training will run, when known
   * @param barrier whether training runs as one barrier stage
   * @param notices what the user should know that does not stop the job
   */
  record Validated(Algorithm<?> algorithm, Object hyperparameters, Map<String, MediaType> contentTypes,
      Map<String, ContentType> formats, OptionalInt plannedRounds, boolean barrier, java.util.List<String> notices) {}

  /**
   * Checks the spec against its algorithm.
   *
   * @throws KilnException USER naming the bad field (the job fails as a bad spec)
   */
  static Validated validate(TrainingJobSpec spec, Algorithms algorithms) {
    Algorithm<?> algorithm = algorithms.resolve(spec.algorithm());
    Object hyperparameters = algorithm.hyperparameters(spec.hyperparameters());
    Map<String, MediaType> contentTypes = ChannelFormats.mediaTypes(spec, algorithm);
    Map<String, ContentType> formats = ChannelFormats.formats(spec, algorithm, contentTypes);
    java.util.List<String> notices = checkMetricDefinitions(spec, algorithm);
    return new Validated(algorithm, hyperparameters, contentTypes, formats, plannedRounds(algorithm, hyperparameters),
        needsBarrier(algorithm, hyperparameters), notices);
  }

  /**
   * Checks the cluster (see {@link Preflight}) and, when {@code probe}, the storage the job uses.
   *
   * @throws KilnException USER naming the setting, the location or the missing slots
   */
  static Preflight.Cluster admit(SparkContext sc, TrainingJobSpec spec, Validated validated, KilnConf conf) {
    Preflight.Cluster cluster = Preflight.check(sc, spec, conf.slotWaitSeconds(), validated.barrier());
    if (conf.storageProbe()) {
      probeStorage(spec, sc.hadoopConfiguration());
    }
    return cluster;
  }

  /**
   * An algorithm whose metrics come from the definitions (a script) may define any metric. Otherwise,
   * a built-in reports its own metrics, so each MetricDefinitions entry must name one of them; the
   * regex then reads its values from the log. A name the algorithm cannot emit on any channel it
   * reads is refused; one it emits only on a channel this job lacks (SageMaker's own request
   * skeletons define {@code validation:auc} for jobs without validation data) is accepted with a
   * notice that it will have no values.
   *
   * @return the notices
   * @throws KilnException USER naming the definition and the metrics the algorithm emits
   */
  private static java.util.List<String> checkMetricDefinitions(TrainingJobSpec spec, Algorithm<?> algorithm) {
    java.util.List<String> notices = new java.util.ArrayList<>();
    if (spec.metricDefinitions().isEmpty() || algorithm.metricsFromDefinitions()) {
      return notices; // a script's metrics are whatever its definitions read from its output
    }
    java.util.Set<String> jobChannels = new java.util.LinkedHashSet<>();
    spec.channels().forEach(c -> jobChannels.add(c.name()));
    java.util.Set<String> allChannels = new java.util.LinkedHashSet<>(jobChannels);
    algorithm.channels().forEach(c -> allChannels.add(c.name()));
    java.util.List<String> emitted = names(algorithm.metrics(spec.hyperparameters(), jobChannels));
    java.util.List<String> possible = names(algorithm.metrics(spec.hyperparameters(), allChannels));
    for (io.kiln.spec.MetricDefinition d : spec.metricDefinitions()) {
      if (!possible.contains(d.name())) {
        throw KilnException.user("MetricDefinitions '" + d.name() + "' (metricDefinitions) names no metric "
            + algorithm.name() + " emits" + io.kiln.spec.Names.suggestion(d.name(), possible)
            + "; a built-in's metric definitions can name only its own metrics: " + String.join(", ", possible));
      }
      if (!emitted.contains(d.name())) {
        notices.add("MetricDefinitions '" + d.name() + "' will have no values: " + algorithm.name()
            + " emits it only with a channel this job does not have (it has " + String.join(", ", jobChannels) + ")");
      }
    }
    return notices;
  }

  private static java.util.List<String> names(java.util.List<io.kiln.spi.MetricDescriptor> metrics) {
    return metrics.stream().map(io.kiln.spi.MetricDescriptor::name).toList();
  }

  private static void probeStorage(TrainingJobSpec spec, Configuration hadoop) {
    StorageProbe probe = new StorageProbe(hadoop);
    for (ChannelSpec c : spec.channels()) {
      probe.checkReadable(c.uri(), "channel '" + c.name() + "'");
    }
    probe.checkWritable(Uris.join(spec.outputPath(), spec.name()), "output path");
    if (spec.checkpoint() != null) {
      probe.checkWritable(spec.checkpoint().uri(), "checkpoint location");
    }
  }

  @SuppressWarnings("unchecked")
  private static <H> OptionalInt plannedRounds(Algorithm<H> algorithm, Object hyperparameters) {
    return algorithm.plannedRounds((H) hyperparameters);
  }

  @SuppressWarnings("unchecked")
  private static <H> boolean needsBarrier(Algorithm<H> algorithm, Object hyperparameters) {
    return algorithm.needsBarrier((H) hyperparameters);
  }
}
