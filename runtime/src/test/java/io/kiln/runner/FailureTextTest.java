package io.kiln.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import org.junit.jupiter.api.Test;

/**
 * No FailureReason carries a native backtrace or a temporary library path, whatever the message an
 * algorithm let through: the runtime's last line of defence, on messages as native XGBoost (xgboost4j
 * 3.1) writes them.
 */
class FailureTextTest {
  static final String NATIVE = "Training failed: ml.dmlc.xgboost4j.java.XGBoostError: [10:16:08] "
      + "/workspace/src/objective/multiclass_obj.cu:68: Check failed: valid: SoftmaxMultiClassObj: label must be "
      + "discrete values in the range of [0, num_class).\nStack trace:\n"
      + "  [bt] (0) /tmp/libxgboost4j9709803724631222972.so(dmlc::LogMessageFatal::~LogMessageFatal()+0x6e) "
      + "[0x7f6a1142265e]\n"
      + "  [bt] (1) /tmp/libxgboost4j9709803724631222972.so(+0x98e1e8) [0x7f6a11b8e1e8]\n";

  @Test
  void aNativeMessageLosesItsBacktraceLogPrefixAndLibraryPath() {
    String reason = JobFinisher.failureReason(new KilnException(ErrorType.ALGORITHM, NATIVE));
    assertThat(reason).isEqualTo("AlgorithmError: Training failed: ml.dmlc.xgboost4j.java.XGBoostError: Check failed: "
        + "valid: SoftmaxMultiClassObj: label must be discrete values in the range of [0, num_class).");
    assertThat(reason).doesNotContain("Stack trace", "[bt]", "/tmp/", ".so", "/workspace/");
  }

  @Test
  void aLibraryPathOutsideABacktraceIsReplacedAndOrdinaryTextIsKept() {
    assertThat(FailureText.clean("cannot load /tmp/libxgboost4j123.so: wrong ELF class"))
        .isEqualTo("cannot load <native library>: wrong ELF class");
    String plain = "Channel 'train': s3://b/k.csv line 4: label 3 is not a class\nsecond line [12:00:00] kept";
    assertThat(FailureText.clean(plain)).isEqualTo(plain);
    assertThat(FailureText.clean("    at io.kiln.X.run(X.java:12)\n#0 0x7f in foo\n  [bt] (3) x")).isEqualTo(
        "    at io.kiln.X.run(X.java:12)");
  }
}
