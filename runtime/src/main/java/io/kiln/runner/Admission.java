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
   */
  record Validated(Algorithm<?> algorithm, Object hyperparameters, Map<String, MediaType> contentTypes,
      Map<String, ContentType> formats, OptionalInt plannedRounds, boolean barrier) {}

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
    Uris.requireSupported(spec.outputPath(), "outputPath");
    checkMetricDefinitions(spec, algorithm);
    return new Validated(algorithm, hyperparameters, contentTypes, formats, plannedRounds(algorithm, hyperparameters),
        needsBarrier(algorithm, hyperparameters));
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
   * A built-in reports its own metrics, so each MetricDefinitions entry must name one of them
   * (SageMaker's built-ins take no metric definitions of their own); the regex then reads its
   * values from the log.
   *
   * @throws KilnException USER naming the definition and the metrics the algorithm emits
   */
  private static void checkMetricDefinitions(TrainingJobSpec spec, Algorithm<?> algorithm) {
    if (spec.metricDefinitions().isEmpty()) {
      return;
    }
    java.util.Set<String> channels = new java.util.LinkedHashSet<>();
    spec.channels().forEach(c -> channels.add(c.name()));
    java.util.List<String> emitted = algorithm.metrics(spec.hyperparameters(), channels).stream()
        .map(io.kiln.spi.MetricDescriptor::name).toList();
    for (io.kiln.spec.MetricDefinition d : spec.metricDefinitions()) {
      if (!emitted.contains(d.name())) {
        throw KilnException.user("MetricDefinitions '" + d.name() + "' (metricDefinitions) names no metric "
            + algorithm.name() + " emits with the job's channels" + io.kiln.spec.Names.suggestion(d.name(), emitted)
            + "; a built-in's metric definitions can name only its own metrics: " + String.join(", ", emitted));
      }
    }
  }

  private static void probeStorage(TrainingJobSpec spec, Configuration hadoop) {
    StorageProbe probe = new StorageProbe(hadoop);
    for (ChannelSpec c : spec.channels()) {
      Uris.requireSupported(c.uri(), "channel '" + c.name() + "' URI");
      probe.checkReadable(c.uri(), "channel '" + c.name() + "'");
    }
    probe.checkWritable(Uris.join(spec.outputPath(), spec.name()), "output path");
    if (spec.checkpoint() != null) {
      Uris.requireSupported(spec.checkpoint().uri(), "checkpoint location");
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
