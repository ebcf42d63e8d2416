package io.kiln.spec;

import static io.kiln.spec.KilnSpecErrorsTest.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No spec can hang or crash the reader: size and depth are limited before and while parsing, YAML
 * aliases are refused rather than read as the anchor's name, and MetricDefinitions regexes are
 * RE2 (linear-time) or refused when the spec is read. Each limit is named in its error.
 */
class SpecLimitsTest {
  private static final String MINIMAL = KilnSpecReaderTest.MINIMAL;

  @Test
  void yamlNestedFiveThousandLevelsDeepIsRefusedNamingTheLimit() {
    String deep = MINIMAL + "hyperparameters:\n  eta: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
    String message = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> error(deep));
    assertThat(message).contains("nested more than " + SpecTree.MAX_DEPTH + " levels deep, the limit for a spec");
  }

  @Test
  void jsonNestedDeeplyIsRefusedToo() {
    String deep = "{\"name\": \"x\", \"hyperparameters\": " + "{\"a\": ".repeat(3000) + "1" + "}".repeat(3000) + "}";
    assertThat(error(deep, "job.json")).contains("nested more than " + SpecTree.MAX_DEPTH + " levels deep");
  }

  @Test
  void aYamlAliasIsRefusedNamingItInsteadOfBeingReadAsTheAnchorsName() {
    String aliased = """
        name: churn-1
        algorithm: xgboost
        channels:
          - name: train
            uri: &out s3://churn/output/
        outputPath: *out
        """;
    assertThat(error(aliased)).contains("line 6").contains("YAML aliases (*out) are not supported in a spec");
  }

  @Test
  void aSpecFileLargerThanTheLimitIsRefusedBeforeParsing(@TempDir Path dir) throws Exception {
    Path big = dir.resolve("big.yaml");
    Files.writeString(big, MINIMAL + "# " + "x".repeat(SpecReader.MAX_SPEC_BYTES) + "\n");
    KilnException e = catchThrowableOfType(KilnException.class, () -> SpecReader.readTrainingJob(big));
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).isEqualTo("Spec file " + big + " is larger than 1024 KiB, the limit for a spec;"
        + " a job spec is a few KB: check that this is the spec file");
  }

  @Test
  void anEndlessDeviceIsRefusedWithoutRunningOutOfMemory() {
    Path zero = Path.of("/dev/zero");
    KilnException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> catchThrowableOfType(KilnException.class, () -> SpecReader.readTrainingJob(zero)));
    assertThat(e.getMessage()).startsWith("Spec file /dev/zero is larger than 1024 KiB");
  }

  @Test
  void aSpecTextLargerThanTheLimitIsRefused() {
    String big = MINIMAL + "# " + "x".repeat(SpecReader.MAX_SPEC_BYTES) + "\n";
    assertThat(error(big)).contains("more than " + SpecReader.MAX_SPEC_BYTES + ", the limit for a spec");
  }

  @Test
  void aFileThatIsNotUtf8IsNamed(@TempDir Path dir) throws Exception {
    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, (MINIMAL + "# caf\u00e9\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    KilnException e = catchThrowableOfType(KilnException.class, () -> SpecReader.readTrainingJob(latin1));
    assertThat(e.getMessage()).isEqualTo("Spec file " + latin1 + " is not UTF-8 text; save it as UTF-8 (JSON or YAML)");
  }

  @Test
  void aMetricRegexWithABackreferenceOrLookaroundIsRefusedNamingRe2() {
    String backreference = MINIMAL + "metricDefinitions:\n  - name: train:loss\n    regex: '(\\w+) \\1 ([0-9.]+)'\n";
    assertThat(error(backreference)).contains("MetricDefinitions 'train:loss': Regex '(\\w+) \\1 ([0-9.]+)' is not valid")
        .contains("RE2 syntax, which has no backreferences");
    String lookahead = MINIMAL + "metricDefinitions:\n  - name: train:loss\n    regex: 'loss=(?=[0-9])([0-9.]+)'\n";
    assertThat(error(lookahead)).contains("Regex 'loss=(?=[0-9])([0-9.]+)' is not valid");
  }

  @Test
  void aRegexThatBacktracksCatastrophicallyInJavaMatchesInLinearTime() {
    // java.util.regex needs ~2^40 steps for this line; RE2 a few hundred
    MetricDefinition d = new MetricDefinition("train:loss", "loss=([0-9.]+)|(?:x+x+)+y");
    String line = "x".repeat(40);
    boolean found = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> d.pattern().matcher(line).find());
    assertThat(found).isFalse();
    assertThat(d.pattern().matcher("epoch 3 loss=0.25").find()).isTrue();
  }
}
