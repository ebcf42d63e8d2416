package io.kiln.algorithms.script;

/**
 * A training entry point written in Java: what a script job runs when its entry point is
 * {@code java:<class name>} (Kiln's {@code algorithm.entryPoint}, the SDK's {@code sagemaker_program}).
 *
 * <p>The class is public, has a public no-argument constructor and is in one of the source's jars
 * (the {@code *.jar} files at the source's root). Each worker runs it in <b>its own JVM process</b>
 * ({@link JavaTrainerMain}), started exactly as a Python script is: the same container tree, the same
 * {@code SM_*} variables, its stdout and stderr lines in the job log, a stop's SIGTERM (the JVM runs its
 * shutdown hooks; {@link TrainerContext#stopRequested()} turns true and the JVM waits for
 * {@link #train} to return, up to the stop's grace period), and whatever it leaves in
 * {@link TrainerContext#modelDir()} becoming {@code model.tar.gz} on rank 0. A separate process keeps a
 * trainer's crash, {@code System.exit}, memory and threads away from the Spark executor, and lets the
 * trainer bring its own library versions.
 *
 * <p>Returning normally is exit code 0 (the job completes); an exception fails the job as an
 * AlgorithmError with the exception's one-line description, as a Python script's traceback does.
 */
@FunctionalInterface
public interface Trainer {
  /**
   * Trains on this worker's data and writes the model into {@link TrainerContext#modelDir()}.
   *
   * @param context the container contract as a typed object: directories, channels, hyperparameters,
   *     hosts and rank
   * @throws Exception any failure; the job fails with its message
   */
  void train(TrainerContext context) throws Exception;
}
