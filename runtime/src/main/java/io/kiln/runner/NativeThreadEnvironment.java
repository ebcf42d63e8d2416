package io.kiln.runner;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;

/**
 * The environment variables that cap native compute libraries' threads in a worker JVM from its
 * start, set for Spark's executors as {@code spark.executorEnv.<NAME>}: {@code OMP_NUM_THREADS}
 * (OpenMP: libnd4j, XGBoost's default), {@code SD_MAX_THREADS} and {@code SD_MASTER_THREADS}
 * (libnd4j's own thread pool, sized once when ND4J loads and deaf to later limits; see the kiln-dl4j
 * module's {@code Nd4jThreads}) and {@code OPENBLAS_NUM_THREADS} (OpenBLAS).
 *
 * <p>The value is the threads per worker Kiln gives a job on a cluster ({@link Preflight}): the
 * executor's cores, {@code spark.executor.cores}, 1 when unset. A variable the user set
 * ({@code spark.executorEnv.<NAME>} in any of Spark's conf sources) is left as it is. Local mode runs
 * tasks in the driver JVM, whose environment Spark cannot change: there the launcher
 * ({@code scripts/kiln}) exports the same variables before the JVM starts.
 */
public final class NativeThreadEnvironment {
  /** The variables, in the order they are set. */
  public static final List<String> NAMES =
      List.of("OMP_NUM_THREADS", "SD_MAX_THREADS", "SD_MASTER_THREADS", "OPENBLAS_NUM_THREADS");
  /** Spark's prefix for an executor's environment variable. */
  public static final String EXECUTOR_ENV = "spark.executorEnv.";

  private NativeThreadEnvironment() {}

  /**
   * Sets {@code spark.executorEnv.<NAME>} for each of {@link #NAMES} the conf does not set, to the
   * executor's cores ({@code spark.executor.cores}, 1 when unset or not a positive number).
   *
   * @param conf the conf the session is built from; changed in place
   * @return the keys set (empty when the user set them all)
   */
  public static List<String> applyTo(SparkConf conf) {
    int threads;
    try {
      threads = Math.max(1, Integer.parseInt(conf.get("spark.executor.cores", "1").trim()));
    } catch (NumberFormatException e) {
      threads = 1; // Spark itself refuses such a value when it starts
    }
    List<String> set = new ArrayList<>();
    for (String name : NAMES) {
      String key = EXECUTOR_ENV + name;
      if (!conf.contains(key)) {
        conf.set(key, Integer.toString(threads));
        set.add(key);
      }
    }
    return set;
  }
}
