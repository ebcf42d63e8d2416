package io.kiln.algorithms.vision.nets;

import java.util.Map;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Limits ND4J's native compute threads to a worker's share of the cores (the job's threads per
 * worker), so that DL4J on a Spark executor does not run one thread per machine core beside the
 * other executors.
 *
 * <p>ND4J's CPU backend computes on three kinds of native threads, each with its own limit, all set
 * by {@link #limit(int)}:
 * <ul>
 *   <li>libnd4j's own thread pool ({@code samediff::Threads}: element-wise ops, reductions,
 *       im2col/col2im of convolutions, BatchNorm): {@code Environment.setMaxThreads} and
 *       {@code setMaxMasterThreads};</li>
 *   <li>OpenMP regions in libnd4j (bundled libgomp): {@code NativeOps.setOmpNumThreads}, which is
 *       also what ND4J sets from {@code OMP_NUM_THREADS} when it starts;</li>
 *   <li>the BLAS library (OpenBLAS, matrix products of dense and convolution layers):
 *       {@code Blas.setMaxThreads} ({@code openblas_set_num_threads}).</li>
 * </ul>
 * The limits are process-wide. One of them cannot be changed once ND4J has started: libnd4j
 * sizes its thread pool from the environment when it loads ({@code Environment.setMaxThreads} is a
 * no-op in 1.0.0-M2.1: {@code maxThreads} stays at the core count, and the pool's threads exist),
 * so a worker JVM must also start with {@link #environment(int)} in its environment (for Spark
 * executors {@code spark.executorEnv.<NAME>}); {@link #limit(int)} alone still caps the threads
 * that compute ({@code maxMasterThreads}, OpenMP, BLAS) but leaves the pool's idle threads.
 * Measured on this machine (2 cores, {@code Nd4jThreadsTest}): a convolution network's
 * training step started 3 native threads besides the caller with no limit, 2 with {@link #limit}
 * alone and none with the environment and {@link #limit}(1).
 */
public final class Nd4jThreads {

    private Nd4jThreads() {
    }

    /** ND4J's current thread limits: libnd4j's pool, its master threads, OpenMP's and BLAS's. */
    public record Limits(int maxThreads, int maxMasterThreads, int ompMaxThreads, int blasMaxThreads) {
        /** @return the largest of the four limits */
        public int max() {
            return Math.max(Math.max(maxThreads, maxMasterThreads), Math.max(ompMaxThreads, blasMaxThreads));
        }
    }

    /**
     * Sets every ND4J native thread limit to {@code threads}.
     *
     * @param threads threads per worker, at least 1
     * @return the limits ND4J reports afterwards
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static synchronized Limits limit(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads per worker " + threads + " must be at least 1");
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        return current();
    }

    /**
     * The environment variables that limit ND4J's threads from the start of a JVM: libnd4j's
     * {@code SD_MAX_THREADS} and {@code SD_MASTER_THREADS}, {@code OMP_NUM_THREADS} (read by libnd4j,
     * ND4J's Java side and OpenMP) and {@code OPENBLAS_NUM_THREADS}.
     *
     * @param threads threads per worker, at least 1
     * @return variable name to value
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public static Map<String, String> environment(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads per worker " + threads + " must be at least 1");
        }
        String n = Integer.toString(threads);
        return Map.of("OMP_NUM_THREADS", n, "SD_MAX_THREADS", n, "SD_MASTER_THREADS", n, "OPENBLAS_NUM_THREADS", n);
    }

    /** @return ND4J's thread limits as its own getters report them */
    public static Limits current() {
        return new Limits(Nd4j.getEnvironment().maxThreads(), Nd4j.getEnvironment().maxMasterThreads(),
                NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                Nd4j.factory().blas().getMaxThreads());
    }
}
