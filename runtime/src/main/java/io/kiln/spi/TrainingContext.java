package io.kiln.spi;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * What an algorithm's driver side sees of a running job.
 *
 * <p>The algorithm plans its work and hands a {@link WorkerFunction} to {@link #runOnWorkers}; the
 * runtime runs it on every worker at once (a Spark barrier stage), relays the per-round metrics to
 * the job record and delivers stop requests back as {@link Directive}s.
 */
public interface TrainingContext {

  String jobName();

  SparkSession spark();

  /** Number of workers (SageMaker's InstanceCount). */
  int workers();

  /** Threads each worker may use (cores per worker). */
  int threadsPerWorker();

  /** The channels given to the job, listed and checked, by name. */
  Map<String, ChannelData> channels();

  default Optional<ChannelData> channel(String name) {
    return Optional.ofNullable(channels().get(name));
  }

  /**
   * A local directory on the driver; whatever is in it when training ends becomes model.tar.gz
   * (unless rank 0's worker-side {@link WorkerContext#modelDirectory()} or the
   * {@link #modelStagingUri()} holds a model: see there).
   */
  Path modelDirectory();

  /**
   * A directory URI on the job's output filesystem for a driver-side estimator that writes its model
   * from the executors (e.g. Spark ML's {@code model.write().save(uri)}). When training ends with
   * files under it, they become model.tar.gz (streamed from the filesystem, never through driver
   * memory) and the directory is removed. Worker-side models take precedence, then this, then
   * {@link #modelDirectory()}. The URI is in the form Hadoop and Spark's writers accept
   * ({@code s3a://} for an {@code s3://} output path where the cluster does not serve {@code s3://}
   * itself), unique to the attempt, and on the same filesystem as the job's output path.
   */
  String modelStagingUri();

  /** The job's environment variables (the spec's {@code environment}). */
  Map<String, String> environment();

  /**
   * SageMaker's TrainingInputMode as the job gives it: {@code File}, {@code FastFile} or {@code Pipe}
   * (Kiln's {@code algorithm.inputMode}). Built-ins read every mode the same way; a script job
   * gives its script files (File, FastFile) or FIFOs (Pipe).
   */
  default String inputMode() {
    return "File";
  }

  /**
   * The user's script for a script job (Kiln's {@code algorithm.entryPoint} ..., or the SDK's
   * {@code sagemaker_program} ... in a SageMaker request); empty when the job names none.
   */
  default Optional<ScriptSpec> script() {
    return Optional.empty();
  }

  /**
   * The job's TrainingImage as written (a SageMaker request's, or Kiln's {@code algorithm.trainingImage}),
   * e.g. {@code 683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1}; empty when the
   * job names an algorithm instead. A script job reads it to know the framework the script expects.
   */
  default Optional<String> trainingImage() {
    return Optional.empty();
  }

  /**
   * A channel's ContentType exactly as the job wrote it (base type and parameters), for algorithms
   * that pass it on (a script's {@code inputdataconfig.json}); empty when the channel gave none or
   * the job has no such channel.
   */
  default Optional<String> contentTypeAsWritten(String channel) {
    return Optional.empty();
  }

  /** Where this job's checkpoints live; empty when the job has no checkpoint location. */
  Optional<CheckpointStore> checkpoints();

  /**
   * The job's CheckpointConfig (URI and LocalPath) as written, for an algorithm that syncs a local
   * directory with the location itself (script jobs); empty when the job has no checkpoint location.
   */
  default Optional<CheckpointLocation> checkpointLocation() {
    return Optional.empty();
  }

  /**
   * The checkpoint service for a training loop that runs on the driver (an estimator that runs a
   * Spark job per iteration): the driver is its rank 0. Worker loops use {@link
   * WorkerContext#checkpointing()} instead.
   */
  Checkpointing checkpointing();

  /**
   * Reports one step (round, epoch, iteration) of a training loop that runs on the driver and
   * returns what to do next, exactly as {@link WorkerContext#report} does for worker loops: the
   * metrics reach the job record, the progress line and the tuner's early stopping, and a stop
   * request comes back as {@link Directive#STOP}.
   *
   * @param step the step just completed, counted from 0
   * @param metrics SageMaker-named metrics of that step
   */
  Directive report(int step, Map<String, Double> metrics);

  /**
   * Runs {@code function} on every worker together and returns each worker's result, by rank.
   * Throws a {@link KilnException}: USER when worker code failed on the input, CAPACITY when
   * executors were lost.
   */
  <T extends Serializable> List<T> runOnWorkers(WorkerFunction<T> function);

  /** Writes one line to the job log (and the driver log). */
  void log(String line);
}
