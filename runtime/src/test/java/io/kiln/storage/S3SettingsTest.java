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

  static final Map<String, String> ENV = Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK",
      "AWS_ENDPOINT_URL", "http://127.0.0.1:9", "AWS_REGION", "eu-west-1");

  @Test
  void applyToFillsWhatOnlyDefaultsOrSparksFillInsSetAndNamesNoValue() {
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
    // what Spark 3.5 puts there by itself: its default endpoint and its copy of the keys
    hadoop.set("fs.s3a.endpoint", "s3.amazonaws.com", "Set by Spark to default values");
    hadoop.set("fs.s3a.access.key", "AK", "Set by Spark on localhost/127.0.0.1 from AWS_ACCESS_KEY_ID");
    java.util.List<String> applied = S3Settings.applyTo(hadoop, ENV);
    assertThat(hadoop.get("fs.s3a.endpoint")).isEqualTo("http://127.0.0.1:9");
    assertThat(hadoop.get("fs.s3a.secret.key")).isEqualTo("SK");
    assertThat(hadoop.get("fs.s3a.aws.credentials.provider")).isEqualTo(S3Settings.SIMPLE_PROVIDER);
    assertThat(hadoop.get("fs.s3a.path.style.access")).isEqualTo("true");
    assertThat(hadoop.get("fs.s3a.connection.ssl.enabled")).isEqualTo("false");
    assertThat(hadoop.get("fs.s3a.endpoint.region")).isEqualTo("eu-west-1");
    assertThat(hadoop.get("fs.s3a.directory.marker.retention")).isEqualTo("keep");
    assertThat(applied).contains("fs.s3a.endpoint", "fs.s3a.secret.key").doesNotContain("fs.s3a.access.key")
        .allSatisfy(k -> assertThat(k).doesNotContain("SK", "AK"));
    assertThat(S3Settings.applyTo(hadoop, ENV)).as("a second runner on the session changes nothing").isEmpty();
  }

  @Test
  void applyToLeavesExplicitSettingsAndTheirGroupsAlone() {
    org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
    hadoop.set("fs.s3a.endpoint", "https://s3.example.com", "Set by Spark from keys starting with 'spark.hadoop'");
    hadoop.set("fs.s3a.aws.credentials.provider", "com.example.Provider");
    hadoop.set("fs.s3a.directory.marker.retention", "delete", "core-site.xml");
    S3Settings.applyTo(hadoop, ENV);
    assertThat(hadoop.get("fs.s3a.endpoint")).isEqualTo("https://s3.example.com");
    assertThat(hadoop.get("fs.s3a.path.style.access")).as("follows the explicit endpoint").isEqualTo("false");
    assertThat(hadoop.get("fs.s3a.connection.ssl.enabled")).isEqualTo("true");
    assertThat(hadoop.get("fs.s3a.aws.credentials.provider")).isEqualTo("com.example.Provider");
    assertThat(hadoop.get("fs.s3a.access.key")).as("the explicit provider's group").isNull();
    assertThat(hadoop.get("fs.s3a.secret.key")).isNull();
    assertThat(hadoop.get("fs.s3a.directory.marker.retention")).isEqualTo("delete");
    assertThat(hadoop.get("fs.s3a.endpoint.region")).as("no explicit region: the environment's")
        .isEqualTo("eu-west-1");
  }
}
