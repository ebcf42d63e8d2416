package org.nd4j.nativeblas;

/**
 * Lets DL4J 1.0.0-M2.1 find out whether ND4J's natives use oneDNN, so that its oneDNN layer
 * helpers ({@code MKLDNNConvHelper}, {@code MKLDNNBatchNormHelper}, ...) can be used at all.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} looks up this class name,
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, and its method {@code isUseMKLDNN()} by
 * reflection; ND4J 1.0.0-M2.1 renamed them ({@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment},
 * {@code isUseONEDNN()}), so the lookup fails and DL4J silently falls back to its slower built-in
 * convolution and BatchNorm (no ND4J jar defines this class). This class answers the old lookup
 * from the new one; nothing else uses it.
 *
 * <p>Inert by default: DL4J creates helpers only with the system property
 * {@code org.eclipse.deeplearning4j.helpers.disable=false} (its default is {@code true}), and the
 * helpers are only useful with natives built with oneDNN (classifier
 * {@code linux-x86_64-onednn-avx2} or {@code linux-x86_64-onednn}, selected with
 * {@code -Dorg.bytedeco.javacpp.platform.extension=-onednn-avx2}); the module's default
 * {@code linux-x86_64} natives contain no oneDNN although they report {@code isUseONEDNN() = true}.
 * Measured effect: docs/benchmarks.md, "DL4J ResNets against PyTorch".
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    /** The environment view DL4J's helper check expects. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /** @return the single instance (DL4J calls it by reflection) */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /** @return whether ND4J's natives are set to use oneDNN ({@code isUseONEDNN()} of ND4J's environment) */
        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
