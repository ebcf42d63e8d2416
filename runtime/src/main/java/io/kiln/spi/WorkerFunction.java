package io.kiln.spi;

import java.io.Serializable;

/** Code that runs on every worker of a job at once; each returns a result to the driver. */
@FunctionalInterface
public interface WorkerFunction<T extends Serializable> extends Serializable {
  T run(WorkerContext context) throws Exception;
}
