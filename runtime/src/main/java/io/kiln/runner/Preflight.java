package io.kiln.runner;

import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

/**
 * Checks, before any work, that the cluster can run the job: barrier execution allowed, enough
 * task slots for every worker at once. Says which setting to change.
 */
public final class Preflight {
  private Preflight() {}

  /** Cluster facts the runner uses: slots found and threads each worker gets. */
  public record Cluster(int slots, int threadsPerWorker, boolean local) {}

  /** Checks a job whose algorithm trains in a barrier stage ({@link #check(SparkContext, TrainingJobSpec, long, boolean)}). */
  public static Cluster check(SparkContext sc, TrainingJobSpec spec, long slotWaitSeconds) {
    return check(sc, spec, slotWaitSeconds, true);
  }

  /**
   * Checks the cluster for {@code spec}. With {@code barrier} (the algorithm trains in one barrier
   * stage of a task per worker) it refuses dynamic allocation and Spark Connect sessions and waits
   * up to {@code slotWaitSeconds} for a task slot per worker; without, it only works out the
   * threads per worker.
   *
   * @throws KilnException USER naming the setting to change or the slots missing
   */
  public static Cluster check(SparkContext sc, TrainingJobSpec spec, long slotWaitSeconds, boolean barrier) {
    SparkConf conf = sc.getConf();
    if (!barrier) {
      int slots = slots(sc);
      int threads = sc.isLocal() ? Math.max(1, Runtime.getRuntime().availableProcessors())
          : conf.getInt("spark.executor.cores", 1);
      Integer asked = spec.resources().coresPerWorker();
      return new Cluster(slots, Math.max(1, asked == null ? threads : Math.min(asked, threads)), sc.isLocal());
    }
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
      throw KilnException.user("Cannot start job '" + spec.name() + "': Spark barrier execution, which Kiln trains "
          + "in, cannot run with spark.dynamicAllocation.enabled=true (EMR turns it on by default). Set "
          + "--conf spark.dynamicAllocation.enabled=false (EMR: in the spark-defaults classification)");
    }
    if (!conf.get("spark.api.mode", "classic").equals("classic") || conf.contains("spark.remote")
        || conf.getBoolean("spark.databricks.acl.dfAclsEnabled", false)
        || conf.getBoolean("spark.databricks.pyspark.enableProcessIsolation", false)) {
      throw KilnException.user("Cannot start job '" + spec.name() + "': this is a Spark Connect or shared-access "
          + "session, which forbids barrier stages. Run Kiln on a classic Spark session (on Databricks: a "
          + "single-user / assigned access mode cluster)");
    }
    boolean local = sc.isLocal();
    int workers = spec.resources().workers();
    int slots = slots(sc);
    long deadline = System.nanoTime() + slotWaitSeconds * 1_000_000_000L;
    while (slots < workers && !local && System.nanoTime() < deadline) {
      sleep(500);
      slots = slots(sc);
    }
    if (slots < workers) {
      throw new KilnException(ErrorType.USER, "Cannot start job '" + spec.name() + "': it needs " + workers
          + " workers running at once but the cluster has " + slots + " task slot(s)"
          + (local ? " (master " + sc.master() + ")" : " after waiting " + slotWaitSeconds + " s for executors")
          + ". Use fewer workers (InstanceCount), or give the cluster more executors or cores"
          + (local ? ", e.g. --master local[" + workers + "]" : ""));
    }
    int coresPerExecutor;
    if (local) {
      coresPerExecutor = Math.max(1, Runtime.getRuntime().availableProcessors() / workers);
      coresPerExecutor = Math.max(1, Math.min(coresPerExecutor, Math.max(1, slots / workers)));
    } else {
      coresPerExecutor = conf.getInt("spark.executor.cores", 1);
    }
    Integer asked = spec.resources().coresPerWorker();
    int threads = asked == null ? coresPerExecutor : Math.min(asked, coresPerExecutor);
    return new Cluster(slots, Math.max(1, threads), local);
  }

  /** Task slots the cluster has now for the default resource profile. */
  public static int slots(SparkContext sc) {
    return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.internal("Interrupted while waiting for executors", e);
    }
  }
}
