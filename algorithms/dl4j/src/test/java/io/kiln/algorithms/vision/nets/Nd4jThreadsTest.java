package io.kiln.algorithms.vision.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * ND4J's native threads stay within the limit: each case runs {@link ThreadProbe} in a fresh JVM
 * (ND4J's pools are process-wide and sized when ND4J loads, so a JVM shared with other tests
 * cannot show it) and counts the native threads the JVM gained while ND4J trained a small
 * convolution network.
 */
class Nd4jThreadsTest {

    private static final Pattern LINE = Pattern.compile(
            "limits=Limits\\[maxThreads=(\\d+), maxMasterThreads=(\\d+), ompMaxThreads=(\\d+), blasMaxThreads=(\\d+)] created=(-?\\d+) names=.*");

    record Probe(int maxThreads, int maxMasterThreads, int omp, int blas, int created, String line) {
    }

    static Probe probe(int limit, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-XX:-UseDynamicNumberOfCompilerThreads", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), ThreadProbe.class.getName(), Integer.toString(limit));
        pb.environment().keySet().removeAll(List.of("OMP_NUM_THREADS", "SD_MAX_THREADS", "SD_MASTER_THREADS",
                "OPENBLAS_NUM_THREADS"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        for (String line : out.split("\n")) {
            Matcher m = LINE.matcher(line.trim());
            if (m.matches()) {
                return new Probe(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), line);
            }
        }
        throw new AssertionError("no probe line in:\n" + out);
    }

    @Test
    void oneThreadPerWorkerMeansNoNativeComputeThreadsBesideTheCaller() throws Exception {
        Probe p = probe(1, Nd4jThreads.environment(1));
        assertThat(List.of(p.maxThreads(), p.maxMasterThreads(), p.omp(), p.blas())).as(p.line()).containsOnly(1);
        // the calling thread plus the native threads ND4J started must not exceed the limit
        assertThat(1 + p.created()).as(p.line()).isLessThanOrEqualTo(1);
    }

    @Test
    void withoutTheLimitNd4jStartsMoreThreadsSoTheCountIsMeaningful() throws Exception {
        if (Runtime.getRuntime().availableProcessors() < 2) {
            throw new AssertionError("this check needs at least 2 cores (ND4J defaults to one thread per core)");
        }
        Probe unlimited = probe(0, Map.of());
        assertThat(1 + unlimited.created()).as(unlimited.line()).isGreaterThan(1);
        Probe programmaticOnly = probe(1, Map.of());
        assertThat(List.of(programmaticOnly.maxMasterThreads(), programmaticOnly.omp(), programmaticOnly.blas()))
                .as(programmaticOnly.line()).containsOnly(1);
    }

    @Test
    void environmentNamesEveryVariableAndRefusesZero() {
        assertThat(Nd4jThreads.environment(3)).containsOnlyKeys("OMP_NUM_THREADS", "SD_MAX_THREADS",
                "SD_MASTER_THREADS", "OPENBLAS_NUM_THREADS").containsValue("3");
        assertThatThrownBy(() -> Nd4jThreads.environment(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threads per worker 0");
        assertThatThrownBy(() -> Nd4jThreads.limit(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
