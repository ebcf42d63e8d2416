package io.kiln.spec;

import static io.kiln.spec.KilnSpecErrorsTest.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every URI a spec names is checked where it enters: none can lead outside the prefix it names,
 * carry a secret into the record, or forge lines in a message.
 */
class UserUrisTest {
  private static final String FIELD = "outputPath (OutputDataConfig.S3OutputPath)";

  static String refused(String uri) {
    KilnException e = catchThrowableOfType(KilnException.class, () -> SpecUris.check(uri, FIELD));
    assertThat(e).as("%s must be refused", uri).isNotNull();
    assertThat(e.type()).isEqualTo(io.kiln.spi.ErrorType.USER);
    assertThat(e.getMessage()).doesNotContain("\n");
    return e.getMessage();
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://b/pout/../victim/", "s3://b/pout/./x/", "s3a://b/a/%2e%2E/victim/", "file:///tmp/out/../etc/",
      "/tmp/out/../../etc/", "s3://b/.."})
  void dotSegmentsAreRefusedNotNormalised(String uri) {
    assertThat(refused(uri)).startsWith(FIELD + " '" + uri + "' has a '").contains("path segment")
        .contains("cannot lead outside the prefix it names");
  }

  @Test
  void theOutputPathOfASpecWithDotDotIsRefusedWhenTheSpecIsRead() {
    String spec = KilnSpecReaderTest.MINIMAL.replace("outputPath: s3://churn/output/",
        "outputPath: s3://churn/pout/../victim/");
    assertThat(error(spec)).contains("outputPath (OutputDataConfig.S3OutputPath) 's3://churn/pout/../victim/' has a"
        + " '..' path segment");
  }

  @Test
  void aChannelAndACheckpointUriGoThroughTheSameCheck() {
    String channel = KilnSpecReaderTest.MINIMAL.replace("uri: s3://churn/train/", "uri: s3://churn/train/../../x/");
    assertThat(error(channel)).contains("channel 'train' uri (DataSource.S3DataSource.S3Uri)");
    String checkpoint = KilnSpecReaderTest.MINIMAL + "checkpoint:\n  uri: s3://churn/ck/../../x/\n";
    assertThat(error(checkpoint)).contains("checkpoint.uri (CheckpointConfig.S3Uri) 's3://churn/ck/../../x/'");
  }

  @Test
  void credentialsInAUriAreRefusedAndMaskedInTheMessage() {
    String message = refused("s3a://AKIAEXAMPLE:wJalrXUtnFEMI/K7MDENG@bucket/prefix/");
    assertThat(message).doesNotContain("AKIAEXAMPLE").doesNotContain("wJalrXUtnFEMI")
        .contains("'s3a://****@bucket/prefix/' carries credentials in the URI");
    // a request's channel too: the secret never reaches a message
    String spec = KilnSpecReaderTest.MINIMAL.replace("uri: s3://churn/train/", "uri: s3://AKIDKEY:hunter2@churn/train/");
    assertThat(error(spec)).doesNotContain("hunter2").doesNotContain("AKIDKEY").contains("s3://****@churn/train/");
  }

  @ParameterizedTest
  @ValueSource(strings = {"out/", "./out", "../out", "out"})
  void aRelativePathIsRefused(String uri) {
    assertThat(refused(uri)).isEqualTo(FIELD + " '" + uri + "' is a relative path; write an absolute path (/data/...)"
        + " or a URI (s3://bucket/prefix/, file:///data/...)");
  }

  @Test
  void aLineBreakInAUriCannotForgeALine() {
    String message = refused("s3://b/out/\n2026-11-30T10:00:00Z [Completed] Training job completed");
    assertThat(message).contains("'s3://b/out/\\n2026").contains("has a control character at position 12");
  }

  @Test
  void aVeryLongUriIsCutInTheMessageSoTheCauseSurvives() {
    String uri = "s3://b/" + "k".repeat(10_000);
    String message = refused(uri);
    assertThat(message).hasSizeLessThan(400).contains("has 10007 characters").endsWith("the limit is 1024");
  }

  @Test
  void httpAndBucketlessUrisAreRefused() {
    assertThat(refused("https://bucket.s3.amazonaws.com/train/")).contains("is an HTTP URL");
    assertThat(refused("s3:///train/")).contains("names no bucket");
    assertThat(refused("s3:/bucket/train/")).contains("is not a URI of the form s3://bucket/prefix/");
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://bucket/prefix/", "s3a://bucket/a..b/c./.d/", "file:///tmp/kiln/out/", "file:/tmp/x",
      "/data/train/", "hdfs://namenode:8020/data/"})
  void ordinaryUrisPassUnchanged(String uri) {
    assertThat(SpecUris.check(uri, FIELD)).isEqualTo(uri);
  }

  @Test
  void echoEscapesControlCharactersAndKeepsHeadAndTailOfLongValues() {
    assertThat(Messages.echo("a\nb\tc\u001bd")).isEqualTo("a\\nb\\tc\\u001bd");
    String longValue = "h".repeat(150) + "t".repeat(150);
    assertThat(Messages.echo(longValue)).isEqualTo("h".repeat(120) + "…(300 characters)…" + "t".repeat(40));
    assertThat(Messages.echo(null)).isEqualTo("null");
  }
}
