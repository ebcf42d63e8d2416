package io.kiln.algorithms.vision.nets;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's oneDNN helper check reaches ND4J's environment through Kiln's
 * {@code org.nd4j.nativeblas.Nd4jCpu} (without it the check fails and always answers false).
 */
class OneDnnLookupTest {

    @Test
    void dl4jsHelperCheckAnswersNd4jsOneDnnFlag() {
        org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment env =
                org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance();
        boolean before = env.isUseONEDNN();
        boolean helpers = Nd4j.getEnvironment().helpersAllowed();
        try {
            Nd4j.getEnvironment().allowHelpers(true);
            env.setUseONEDNN(true);
            assertThat(BaseMKLDNNHelper.mklDnnEnabled()).isTrue();
            env.setUseONEDNN(false);
            assertThat(BaseMKLDNNHelper.mklDnnEnabled()).isFalse();
        } finally {
            env.setUseONEDNN(before);
            Nd4j.getEnvironment().allowHelpers(helpers);
        }
    }
}
