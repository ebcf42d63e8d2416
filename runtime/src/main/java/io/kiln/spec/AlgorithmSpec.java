package io.kiln.spec;

import io.kiln.spi.ScriptSpec;

/**
 * Which algorithm a job runs.
 *
 * @param name the built-in's name in Kiln ({@code xgboost})
 * @param trainingImage the SageMaker TrainingImage it was mapped from, or null
 * @param inputMode SageMaker's TrainingInputMode as given (File, FastFile, Pipe); built-ins read
 *     channels the same way whatever it is, script jobs get files (File, FastFile) or FIFOs (Pipe)
 * @param script the user's script a script job runs (Kiln's {@code algorithm.entryPoint} ...,
 *     the SDK's {@code sagemaker_program} ...), or null
 */
public record AlgorithmSpec(String name, String trainingImage, String inputMode, ScriptSpec script) {
  public AlgorithmSpec {
    if (inputMode == null) {
      inputMode = "File";
    }
    if (script != null) { // the rules of every URI in a spec (no '..', no credentials ...)
      SpecUris.check(script.source(), "algorithm.source (hyperparameter " + ScriptSpec.SUBMIT_DIRECTORY + ")");
    }
  }

  /** An algorithm without a script. */
  public AlgorithmSpec(String name, String trainingImage, String inputMode) {
    this(name, trainingImage, inputMode, null);
  }

  public static AlgorithmSpec named(String name) {
    return new AlgorithmSpec(name, null, "File");
  }
}
