package io.kiln.spec;

import io.kiln.spi.DataDistribution;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link TrainingJobSpec} in code, for notebooks:
 *
 * <pre>{@code
 * TrainingJobSpec spec = JobBuilder.named("churn-1").algorithm("xgboost")
 *     .hyperparameter("num_round", "50").hyperparameter("objective", "binary:logistic")
 *     .channel("train", "s3://bucket/churn/train/", "text/csv")
 *     .outputPath("s3://bucket/churn/output/").workers(2)
 *     .build();
 * JobResult result = TrainingJobRunner.on(spark).run(spec);
 * }</pre>
 */
public final class JobBuilder {
  private final String name;
  private String algorithm;
  private final Map<String, String> hyperparameters = new LinkedHashMap<>();
  private final List<ChannelSpec> channels = new ArrayList<>();
  private String outputPath;
  private int workers = 1;
  private Integer coresPerWorker;
  private String memoryPerWorker;
  private StoppingCondition stopping = StoppingCondition.defaults();
  private CheckpointSpec checkpoint;
  private boolean managedSpot;
  private final Map<String, String> environment = new LinkedHashMap<>();

  private JobBuilder(String name) {
    this.name = name;
  }

  public static JobBuilder named(String name) {
    return new JobBuilder(name);
  }

  public JobBuilder algorithm(String algorithmName) {
    this.algorithm = algorithmName;
    return this;
  }

  public JobBuilder hyperparameter(String key, Object value) {
    hyperparameters.put(key, String.valueOf(value));
    return this;
  }

  public JobBuilder hyperparameters(Map<String, ?> values) {
    values.forEach(this::hyperparameter);
    return this;
  }

  public JobBuilder channel(String channelName, String uri, String contentType) {
    channels.add(new ChannelSpec(channelName, uri, contentType, DataDistribution.FullyReplicated,
        ChannelSpec.Compression.None));
    return this;
  }

  public JobBuilder channel(ChannelSpec channel) {
    channels.add(channel);
    return this;
  }

  public JobBuilder outputPath(String uri) {
    this.outputPath = uri;
    return this;
  }

  public JobBuilder workers(int count) {
    this.workers = count;
    return this;
  }

  public JobBuilder coresPerWorker(int cores) {
    this.coresPerWorker = cores;
    return this;
  }

  public JobBuilder memoryPerWorker(String memory) {
    this.memoryPerWorker = memory;
    return this;
  }

  public JobBuilder stoppingCondition(StoppingCondition condition) {
    this.stopping = condition;
    return this;
  }

  public JobBuilder checkpoint(String uri, Integer intervalRounds) {
    this.checkpoint = new CheckpointSpec(uri, null, intervalRounds);
    return this;
  }

  public JobBuilder managedSpot(boolean spot) {
    this.managedSpot = spot;
    return this;
  }

  public JobBuilder environment(String key, String value) {
    environment.put(key, value);
    return this;
  }

  public TrainingJobSpec build() {
    if (algorithm == null) {
      throw io.kiln.spi.KilnException.user("Job '" + name + "' names no algorithm; call algorithm(\"xgboost\")");
    }
    return new TrainingJobSpec(name, AlgorithmSpec.named(algorithm), hyperparameters, channels, outputPath,
        new ResourceSpec(workers, coresPerWorker, memoryPerWorker, 0, null), stopping, checkpoint, managedSpot,
        environment, List.of(), 0, List.of());
  }
}
