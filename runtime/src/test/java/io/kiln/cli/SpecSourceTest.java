package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spec.SpecReader;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Where {@code kiln train|tune SPEC} finds its spec: a file, a Hadoop URI on the real S3 server, spark-submit's --files. */
@Tag("s3")
class SpecSourceTest {
  static final String BUCKET = "kiln-spec-source";
  static final String SPEC = """
      name: from-s3
      algorithm: xgboost
      channels: [{name: train, uri: "s3://%s/train/", contentType: text/csv}]
      outputPath: s3://%s/output/
      """.formatted(BUCKET, BUCKET);
  static KilnSettings settings;
  static Path dir;

  @BeforeAll
  static void start() {
    S3Server s3 = S3Server.get();
    s3.bucket(BUCKET);
    settings = KilnSettings.resolve(null, s3.environment(), List.of(), null, null);
    dir = TestSpark.tempDir("kiln-spec-source-");
  }

  @Test
  void anS3UriIsReadThroughS3aAndNamedAsWritten() {
    S3Files.write(settings.hadoopConf(), "s3a://" + BUCKET + "/specs/job.yaml", SPEC.getBytes(StandardCharsets.UTF_8));
    SpecSource.Text t = SpecSource.read("s3://" + BUCKET + "/specs/job.yaml", settings);
    assertThat(t.text()).isEqualTo(SPEC);
    assertThat(t.source()).isEqualTo("s3://" + BUCKET + "/specs/job.yaml");
    assertThat(SpecReader.readTrainingJob(t.text(), t.source()).name()).isEqualTo("from-s3");
  }

  @Test
  void aMissingObjectIsOneUserLineNamingTheUri() {
    String uri = "s3://" + BUCKET + "/specs/absent.yaml";
    assertThatThrownBy(() -> SpecSource.read(uri, settings)).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo("Spec " + uri + " does not exist (no such object or file); check the "
          + "bucket and key");
    });
  }

  @Test
  void aSpecUriWithCredentialsIsRefusedWithThemMaskedBeforeItIsOpened() {
    for (String uri : List.of("s3a://AKIANC8LEAKTEST:Sup3rS3cret@" + BUCKET + "/specs/job.yaml",
        "s3://AKIANC8LEAKTEST:Sup3rS3cret@" + BUCKET + "/specs/job.yaml")) {
      assertThatThrownBy(() -> SpecSource.read(uri, settings)).isInstanceOfSatisfying(KilnException.class, e -> {
        assertThat(e.type()).isEqualTo(ErrorType.USER);
        assertThat(e.getMessage()).startsWith("The spec's URI '").contains("****@" + BUCKET)
            .contains("carries credentials").doesNotContain("Sup3rS3cret").doesNotContain("AKIANC8LEAKTEST");
      });
    }
  }

  @Test
  void anObjectOverTheLimitOrNotUtf8IsRefusedNamingTheUri() {
    byte[] big = new byte[SpecReader.MAX_SPEC_BYTES + 1];
    java.util.Arrays.fill(big, (byte) ' ');
    S3Files.write(settings.hadoopConf(), "s3a://" + BUCKET + "/specs/big.yaml", big);
    assertThatThrownBy(() -> SpecSource.read("s3://" + BUCKET + "/specs/big.yaml", settings))
        .hasMessageStartingWith("Spec s3://" + BUCKET + "/specs/big.yaml is larger than 1024 KiB");
    S3Files.write(settings.hadoopConf(), "s3a://" + BUCKET + "/specs/latin1.yaml", new byte[] {'a', (byte) 0xe9});
    assertThatThrownBy(() -> SpecSource.read("s3a://" + BUCKET + "/specs/latin1.yaml", settings))
        .hasMessage("Spec s3a://" + BUCKET + "/specs/latin1.yaml is not UTF-8 text; save it as UTF-8 (JSON or YAML)");
  }

  @Test
  void aBareNameIsTheWorkingDirectorysFileElseTheFileSparkSubmitWasGivenWithFiles() throws Exception {
    Path shipped = Files.createDirectories(dir.resolve("elsewhere")).resolve("shipped-job.yaml");
    Files.writeString(shipped, SPEC);
    KilnSettings submitted = KilnSettings.resolve(null, java.util.Map.of(),
        List.of("spark.files=file:/tmp/other.yaml," + shipped.toUri()), null, null);
    assertThat(SpecSource.read("shipped-job.yaml", submitted).text()).isEqualTo(SPEC);
    KilnSettings yarn = KilnSettings.resolve(null, java.util.Map.of(),
        List.of("spark.yarn.dist.files=" + shipped + "#job.yaml"), null, null);
    assertThat(SpecSource.read("job.yaml", yarn).source()).isEqualTo(shipped.toString());
    assertThat(SpecSource.read(shipped.toUri().toString(), settings).text()).isEqualTo(SPEC);
    assertThatThrownBy(() -> SpecSource.read("absent-job.yaml", submitted)).hasMessage("Spec file absent-job.yaml "
        + "does not exist (in the working directory " + Path.of("").toAbsolutePath() + ", nor among spark-submit's "
        + "--files); give its path or URI");
    assertThatThrownBy(() -> SpecSource.read(dir.resolve("absent.yaml").toString(), settings))
        .hasMessage("Spec file " + dir.resolve("absent.yaml") + " does not exist");
  }
}
