package io.kiln.algorithms.vision.nets;

import java.util.Arrays;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seconds per forward+backward (and updater step) of one batch, as the trainer runs it; the DL4J
 * half of the comparison with {@code scripts/lib/bench_resnet_v2.py}. Not a test: run by hand,
 * in a JVM started with {@link Nd4jThreads#environment} for the thread count:
 * {@code java -cp ... NetBench numLayers channels height width batch threads onednn(true|false) iterations}.
 * For DL4J's oneDNN helpers also {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false} and the
 * onednn natives (see {@code org.nd4j.nativeblas.Nd4jCpu}). Prints the median and the minimum over the iterations after 3 warm-up ones, and the minor page
 * faults per step.
 */
public final class NetBench {

    private NetBench() {
    }

    /** This process's minor page faults so far (field 10 of {@code /proc/self/stat}). */
    static long minorFaults() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[7]);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** @param a see the class comment */
    public static void main(String[] a) {
        int layers = Integer.parseInt(a[0]), c = Integer.parseInt(a[1]), h = Integer.parseInt(a[2]),
                w = Integer.parseInt(a[3]), batch = Integer.parseInt(a[4]), threads = Integer.parseInt(a[5]);
        boolean onednn = Boolean.parseBoolean(a[6]);
        int iters = Integer.parseInt(a[7]);
        Nd4jThreads.limit(threads);
        Nd4jCpu.Environment env = Nd4jCpu.Environment.getInstance();
        env.setUseONEDNN(onednn);
        Nd4j.getEnvironment().allowHelpers(onednn);
        ComputationGraph g = new ComputationGraph(ResNets.imageClassification(layers, c, h, w, 10, false, 1,
                new MxnetSgd(0.01, null, 0.9), 1e-4));
        g.init();
        INDArray x = Nd4j.rand(batch, c, h, w);
        INDArray y = Nd4j.zeros(batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1);
        }
        double[] t = new double[iters];
        long faults0 = 0;
        for (int i = -3; i < iters; i++) {
            if (i == 0) {
                faults0 = minorFaults();
            }
            long t0 = System.nanoTime();
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
            var gr = g.gradient();
            g.getUpdater().update(gr, Math.max(i, 0), 0, batch, LayerWorkspaceMgr.noWorkspaces());
            g.params().subi(gr.gradient());
            if (i >= 0) {
                t[i] = (System.nanoTime() - t0) / 1e9;
            }
        }
        long faultsPerStep = (minorFaults() - faults0) / iters;
        Arrays.sort(t);
        System.out.printf("dl4j resnet-%d %dx%dx%d batch %d threads %s onednn=%s (isUseONEDNN=%s helpersAllowed=%s): median %.3f s, min %.3f s, %d minor page faults per step%n",
                layers, c, h, w, batch, Nd4jThreads.current(), onednn, env.isUseONEDNN(), Nd4j.getEnvironment().helpersAllowed(),
                t[iters / 2], t[0], faultsPerStep);
    }
}
