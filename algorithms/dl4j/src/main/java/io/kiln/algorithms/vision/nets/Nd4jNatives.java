package io.kiln.algorithms.vision.nets;

/**
 * Selects the ND4J natives Kiln's vision built-ins run on: libnd4j built with oneDNN
 * ({@code org.nd4j:nd4j-native:1.0.0-M2.1:linux-x86_64-onednn}, the only natives the module ships;
 * no AVX2 needed), with DL4J's oneDNN layer helpers on.
 *
 * <p>Two JVM system properties do it, and both must be set before ND4J first loads its natives
 * (JavaCPP reads the first when its {@code Loader} first loads properties; DL4J reads the second
 * whenever it builds a layer):
 * <ul>
 *   <li>{@value #PLATFORM_EXTENSION} = {@code -onednn}: JavaCPP's platform extension, so the
 *       loader looks for {@code linux-x86_64-onednn} libraries;</li>
 *   <li>{@value #HELPERS_DISABLE} = {@code false}: DL4J 1.0.0-M2.1 builds its oneDNN convolution,
 *       BatchNorm, pooling and activation helpers only then (its default is {@code true}; the
 *       helpers also need {@code org.nd4j.nativeblas.Nd4jCpu}, in this module).</li>
 * </ul>
 * A value the user set already (e.g. {@code -Dorg.bytedeco.javacpp.platform.extension=-onednn-avx2}
 * with those natives on the classpath) is kept. {@link #select()} runs from the static initialiser
 * of each vision {@code Algorithm}, which every worker, driver and {@code kiln predict} path loads
 * before any ND4J class. Measured effect (ResNet-20 step 1.8 s → 0.27 s):
 * docs/benchmarks.md, "DL4J ResNets against PyTorch".
 */
public final class Nd4jNatives {
    /** JavaCPP's platform extension property. */
    public static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";
    /** DL4J's switch for its native layer helpers ({@code DL4JSystemProperties.DISABLE_HELPER_PROPERTY}). */
    public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";
    /** The extension of the natives the module depends on. */
    public static final String ONEDNN = "-onednn";

    private Nd4jNatives() {
    }

    /** Sets both properties unless already set; idempotent and thread-safe. */
    public static synchronized void select() {
        if (System.getProperty(PLATFORM_EXTENSION) == null) {
            System.setProperty(PLATFORM_EXTENSION, ONEDNN);
        }
        if (System.getProperty(HELPERS_DISABLE) == null) {
            System.setProperty(HELPERS_DISABLE, "false");
        }
    }
}
