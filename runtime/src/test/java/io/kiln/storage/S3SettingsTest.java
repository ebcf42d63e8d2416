package io.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class S3SettingsTest {
  @Test
  void keysMapOntoS3aWithTheSimpleProviderNamed() {
    Map<String, String> c = S3Settings.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK"));
    assertThat(c).containsEntry("spark.hadoop.fs.s3a.access.key", "AK")
        .containsEntry("spark.hadoop.fs.s3a.secret.key", "SK")
        .containsEntry("spark.hadoop.fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
        .doesNotContainKey("spark.hadoop.fs.s3a.session.token");
  }

  @Test
  void aSessionTokenSelectsTemporaryCredentials() {
    Map<String, String> c = S3Settings.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK",
        "AWS_SESSION_TOKEN", "TOK"));
    assertThat(c).containsEntry("spark.hadoop.fs.s3a.session.token", "TOK")
        .containsEntry("spark.hadoop.fs.s3a.aws.credentials.provider",
            "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider");
  }

  @Test
  void noKeysLeavesTheDefaultCredentialChainAlone() {
    Map<String, String> c = S3Settings.fromEnvironment(Map.of("AWS_REGION", "eu-west-1"));
    assertThat(c).containsOnlyKeys("spark.hadoop.fs.s3a.endpoint.region");
    assertThat(S3Settings.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "AK"))).isEmpty();
  }

  @Test
  void aNonAwsEndpointTurnsOnPathStyleAndHttpTurnsOffSsl() {
    Map<String, String> c = S3Settings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "http://127.0.0.1:9009"));
    assertThat(c).containsEntry("spark.hadoop.fs.s3a.endpoint", "http://127.0.0.1:9009")
        .containsEntry("spark.hadoop.fs.s3a.path.style.access", "true")
        .containsEntry("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
        .containsEntry("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
  }

  @Test
  void theS3SpecificEndpointWinsAndAwsEndpointsKeepVirtualHosts() {
    Map<String, String> c = S3Settings.fromEnvironment(Map.of("AWS_ENDPOINT_URL", "http://other:1",
        "AWS_ENDPOINT_URL_S3", "https://s3.eu-west-1.amazonaws.com", "AWS_DEFAULT_REGION", "eu-west-1"));
    assertThat(c).containsEntry("spark.hadoop.fs.s3a.endpoint", "https://s3.eu-west-1.amazonaws.com")
        .containsEntry("spark.hadoop.fs.s3a.endpoint.region", "eu-west-1")
        .doesNotContainKey("spark.hadoop.fs.s3a.path.style.access")
        .doesNotContainKey("spark.hadoop.fs.s3a.connection.ssl.enabled");
  }

  @Test
  void s3UrisReadThroughS3aUnlessTheClusterServesS3() {
    org.apache.hadoop.conf.Configuration plain = new org.apache.hadoop.conf.Configuration();
    assertThat(Uris.toHadoopUri("s3://b/k", plain)).isEqualTo("s3a://b/k");
    org.apache.hadoop.conf.Configuration emr = new org.apache.hadoop.conf.Configuration();
    emr.set("fs.s3.impl", "com.amazon.ws.emr.hadoop.fs.EmrFileSystem");
    assertThat(Uris.toHadoopUri("s3://b/k", emr)).isEqualTo("s3://b/k");
    assertThat(Uris.toHadoopUri("s3a://b/k", plain)).isEqualTo("s3a://b/k");
    assertThat(Uris.toHadoopUri("/tmp/x", plain)).isEqualTo("file:///tmp/x");
  }
}
