package io.kiln.spec;

/**
 * Which algorithm a job runs.
 *
 * @param name the built-in's name in Kiln ({@code xgboost})
 * @param trainingImage the SageMaker TrainingImage it was mapped from, or null
 * @param inputMode SageMaker's TrainingInputMode as given (File, FastFile, Pipe); Kiln reads
 *     channels the same way whatever it is
 */
public record AlgorithmSpec(String name, String trainingImage, String inputMode) {
  public AlgorithmSpec {
    if (inputMode == null) {
      inputMode = "File";
    }
  }

  public static AlgorithmSpec named(String name) {
    return new AlgorithmSpec(name, null, "File");
  }
}
