package io.kiln.spec;

import io.kiln.spi.KilnException;

/**
 * How many workers a job uses and how big each is.
 *
 * @param workers SageMaker's InstanceCount
 * @param coresPerWorker threads each worker trains with; null means what the executor offers
 * @param memoryPerWorker executor memory in Spark's notation ({@code 4g}), or null
 * @param gpusPerWorker GPUs each worker asks for
 * @param instanceType the SageMaker InstanceType it was derived from, or null
 * @param minWorkers when capacity does not come back in time, continue on as few as this many
 *     workers (the model then differs from a full-size run); null: no such fallback
 * @param fallbackMaster when capacity does not come back in time, move the job to this Spark master
 *     (an on-demand cluster); null: no such fallback
 */
public record ResourceSpec(
    int workers, Integer coresPerWorker, String memoryPerWorker, int gpusPerWorker, String instanceType,
    Integer minWorkers, String fallbackMaster) {

  public ResourceSpec(int workers, Integer coresPerWorker, String memoryPerWorker, int gpusPerWorker,
      String instanceType) {
    this(workers, coresPerWorker, memoryPerWorker, gpusPerWorker, instanceType, null, null);
  }

  public ResourceSpec {
    if (workers < 1) {
      throw KilnException.user("resources.workers (InstanceCount) is " + workers + "; expected at least 1");
    }
    if (coresPerWorker != null && coresPerWorker < 1) {
      throw KilnException.user("resources.coresPerWorker is " + coresPerWorker + "; expected at least 1");
    }
    if (memoryPerWorker != null && !memoryPerWorker.matches("[0-9]+[kmgtKMGT]?")) {
      throw KilnException.user("resources.memoryPerWorker is '" + memoryPerWorker
          + "'; expected a size such as 2g or 512m");
    }
    if (minWorkers != null && (minWorkers < 1 || minWorkers > workers)) {
      throw KilnException.user("resources.minWorkers is " + minWorkers + "; expected 1 to workers (" + workers + ")");
    }
    if (fallbackMaster != null && fallbackMaster.isBlank()) {
      fallbackMaster = null;
    }
    if (gpusPerWorker < 0) {
      throw KilnException.user("resources.gpusPerWorker is " + gpusPerWorker + "; expected 0 or more");
    }
  }

  public static ResourceSpec workers(int workers) {
    return new ResourceSpec(workers, null, null, 0, null);
  }

  /** The same resources with the capacity fallbacks given. */
  public ResourceSpec withFallbacks(Integer newMinWorkers, String newFallbackMaster) {
    return new ResourceSpec(workers, coresPerWorker, memoryPerWorker, gpusPerWorker, instanceType, newMinWorkers,
        newFallbackMaster);
  }
}
