package io.kiln.spi;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A built-in training algorithm, found through {@link java.util.ServiceLoader}.
 *
 * <p>The contract is small on purpose: validate the user's string hyperparameters once into a typed
 * value ({@code H}), then train with it. Everything the algorithm needs from the runtime comes
 * through the {@link TrainingContext}.
 *
 * @param <H> the typed, validated hyperparameters
 */
public interface Algorithm<H> {

  /** The name users write in a Kiln spec, e.g. {@code xgboost}. */
  String name();

  /**
   * Container repository names that mean this algorithm in a SageMaker request's TrainingImage
   * (the part after the registry and before the tag), e.g. {@code sagemaker-xgboost}.
   */
  Set<String> imageRepositories();

  /** The input channels this algorithm reads; at least one is required. */
  List<ChannelRequirement> channels();

  /**
   * Every metric this algorithm can emit in a job with these hyperparameters (as written) and
   * channels, named as SageMaker names them ({@code validation:auc}): what a tuning objective may
   * name. For XGBoost, every metric it supports on each channel the job has (a tuning objective is
   * added to the trial's eval metrics).
   */
  List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels);

  /**
   * True when this algorithm's metrics are whatever the job's MetricDefinitions read from its
   * output (a script job: the user's code prints them), rather than ones it reports itself: the job
   * may then define any metric (a built-in's definitions must name its own metrics, see
   * {@link #metrics}), and a tuning objective must name one of the job's MetricDefinitions.
   * False by default.
   */
  default boolean metricsFromDefinitions() {
    return false;
  }

  /**
   * Whether training with these validated hyperparameters runs as one barrier stage of {@code
   * workers} tasks (every worker loop does), so the cluster must offer that many task slots at
   * once; false for training that runs ordinary Spark jobs (or nothing) from the driver.
   */
  default boolean needsBarrier(H hyperparameters) {
    return true;
  }

  /**
   * The rounds (or epochs) training will run with these validated hyperparameters, for progress
   * and planning; empty when not known in advance.
   */
  default java.util.OptionalInt plannedRounds(H hyperparameters) {
    return java.util.OptionalInt.empty();
  }

  /**
   * Checks every hyperparameter and returns the typed value. Throws a {@link KilnException} of
   * type USER naming the key, the value and the accepted range for the first bad one.
   */
  H hyperparameters(Map<String, String> raw);

  /**
   * The hyperparameter that measures training effort (rounds, epochs), for Hyperband and for
   * continuing a trial from its checkpoint; empty when the algorithm has none.
   */
  default Optional<String> resourceHyperparameter() {
    return Optional.empty();
  }

  /**
   * Checks a channel's ContentType as written (base type and parameters) beyond the runtime's own
   * checks, when the job is validated (before any data is read); by default accepts anything the
   * runtime accepts. E.g. SageMaker's XGBoost takes {@code label_size} 1 only.
   *
   * @param channel the channel's name
   * @param contentType its ContentType as written, or the algorithm's default without parameters
   * @param format the format it was matched to
   * @throws KilnException USER naming the channel, the value and what the algorithm takes
   */
  default void checkContentType(String channel, MediaType contentType, ContentType format) {}

  /** Trains on the driver, running worker code through the context; writes the model files. */
  TrainingOutcome train(TrainingContext context, H hyperparameters);

  /**
   * Writes the model a checkpoint holds into {@code modelDirectory}, for a job that ends (stopped
   * while waiting for capacity) with no training running; returns false when it cannot.
   *
   * @param checkpointDirectory a local copy of the files the algorithm's {@link
   *     Checkpointing.StateWriter} wrote
   */
  default boolean modelFromCheckpoint(java.nio.file.Path checkpointDirectory, java.nio.file.Path modelDirectory) {
    return false;
  }

  /**
   * Whether the files of a model directory (a {@code model.tar.gz} unpacked) are this algorithm's
   * model, for {@code kiln predict --model URI} without {@code --algorithm}: SageMaker's Batch
   * Transform knows a model's container image; Kiln recognises the model by its files (XGBoost: a
   * file named {@code xgboost-model}). Must be cheap and must not load the model. Default: false.
   */
  default boolean recognizes(java.nio.file.Path modelDirectory) {
    return false;
  }

  /**
   * A predictor for the model in {@code modelDirectory} (a local directory holding the files this
   * algorithm's training wrote into {@code model.tar.gz}), for batch prediction. Called once on the
   * driver to check the model before any task runs, then once per Spark task on executors.
   *
   * @throws KilnException USER when the directory does not hold a model this algorithm can load
   *     (naming the file and what is wrong), or when the algorithm has no batch prediction (the
   *     default)
   */
  default Predictor predictor(java.nio.file.Path modelDirectory) {
    throw KilnException.user("Algorithm '" + name() + "' has no batch prediction (kiln predict); "
        + "no built-in of this name implements Algorithm.predictor");
  }

  /**
   * The input types this algorithm's models predict over whole objects ({@link ObjectPredictor}):
   * one object is one request, as SageMaker's Batch Transform sends it with {@code SplitType: None}
   * (a model package's {@code InferenceSpecification.SupportedContentTypes}); e.g. Image
   * Classification's {@code application/x-image}, {@code image/jpeg} and {@code image/png}. Declared
   * as {@link ContentType.Split#OBJECTS} types; {@code kiln predict --content-type} is matched
   * against their MIME types and aliases. Empty by default: rows of {@code text/csv} only, through
   * {@link #predictor}.
   */
  default List<ContentType> objectContentTypes() {
    return List.of();
  }

  /**
   * A predictor over whole objects for the model in {@code modelDirectory} (a local directory
   * holding the files this algorithm's training wrote into {@code model.tar.gz}), for batch
   * prediction with one of {@link #objectContentTypes()}. Called once on the driver to check the
   * model before any task runs, then once per Spark task on executors.
   *
   * @throws KilnException USER when the directory does not hold a model this algorithm can load
   *     (naming the file and what is wrong), or when the algorithm has no prediction over whole
   *     objects (the default)
   */
  default ObjectPredictor objectPredictor(java.nio.file.Path modelDirectory) {
    throw KilnException.user("Algorithm '" + name() + "' has no prediction over whole objects (kiln predict "
        + "--content-type of an image or other whole object); it predicts over text/csv rows only");
  }
}
