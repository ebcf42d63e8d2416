package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KilnSettingsTest {
  static Path defaults(String text) throws Exception {
    Path f = TestSpark.tempDir("kiln-settings-").resolve("spark-defaults.conf");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void confBeatsEnvironmentBeatsTheDefaultsFile() throws Exception {
    Path file = defaults("spark.hadoop.fs.s3a.endpoint http://from-file:1\nspark.executor.memory 3g\n");
    Map<String, String> env = Map.of("AWS_ENDPOINT_URL", "http://from-env:2");
    assertThat(KilnSettings.resolve(file, env, List.of(), null, null).values())
        .containsEntry("spark.hadoop.fs.s3a.endpoint", "http://from-env:2")
        .containsEntry("spark.executor.memory", "3g");
    assertThat(KilnSettings.resolve(file, env, List.of("spark.hadoop.fs.s3a.endpoint=http://from-conf:3"), null, null)
        .values()).containsEntry("spark.hadoop.fs.s3a.endpoint", "http://from-conf:3");
    assertThat(KilnSettings.resolve(file, Map.of(), List.of(), null, null).values())
        .containsEntry("spark.hadoop.fs.s3a.endpoint", "http://from-file:1");
  }

  @Test
  void masterDefaultsToLocalOnlyWhenNothingSetsIt() throws Exception {
    assertThat(KilnSettings.resolve(null, Map.of(), List.of(), null, null).values())
        .containsEntry("spark.master", "local[*]");
    assertThat(KilnSettings.resolve(defaults("spark.master spark://h:7077\n"), Map.of(), List.of(), null, null).values())
        .containsEntry("spark.master", "spark://h:7077");
    assertThat(KilnSettings.resolve(null, Map.of(), List.of("spark.master=local[3]"), null, null).values())
        .containsEntry("spark.master", "local[3]");
    assertThat(KilnSettings.resolve(null, Map.of(), List.of("spark.master=local[3]"), "local[1]", null).values())
        .containsEntry("spark.master", "local[1]");
  }

  @Test
  void executorsStartWithNativeThreadLimitsOfTheirCoresUnlessTheUserSetThem() {
    var byDefault = KilnSettings.resolve(null, Map.of(), List.of(), "spark://h:7077", null).sparkConf();
    for (String name : List.of("OMP_NUM_THREADS", "SD_MAX_THREADS", "SD_MASTER_THREADS", "OPENBLAS_NUM_THREADS")) {
      assertThat(byDefault.get("spark.executorEnv." + name)).as(name).isEqualTo("1");
    }
    var conf = KilnSettings.resolve(null, Map.of(), List.of("spark.executor.cores=4",
        "spark.executorEnv.OMP_NUM_THREADS=3"), "spark://h:7077", null).sparkConf();
    assertThat(conf.get("spark.executorEnv.OMP_NUM_THREADS")).isEqualTo("3");
    assertThat(conf.get("spark.executorEnv.SD_MAX_THREADS")).isEqualTo("4");
    assertThat(conf.get("spark.executorEnv.SD_MASTER_THREADS")).isEqualTo("4");
    assertThat(conf.get("spark.executorEnv.OPENBLAS_NUM_THREADS")).isEqualTo("4");
    // spark-submit's settings reach Kiln as system properties: a user's value there wins too
    System.setProperty("spark.executorEnv.OPENBLAS_NUM_THREADS", "2");
    try {
      assertThat(KilnSettings.resolve(null, Map.of(), List.of(), "spark://h:7077", null).sparkConf()
          .get("spark.executorEnv.OPENBLAS_NUM_THREADS")).isEqualTo("2");
    } finally {
      System.clearProperty("spark.executorEnv.OPENBLAS_NUM_THREADS");
    }
  }

  @Test
  void jobRootComesFromTheFlagThenConfThenEnvironment() {
    assertThat(KilnSettings.resolve(null, Map.of("KILN_JOB_ROOT", "s3://env/jobs"), List.of(), null, null).jobRoot())
        .isEqualTo("s3://env/jobs");
    assertThat(KilnSettings.resolve(null, Map.of("KILN_JOB_ROOT", "s3://env/jobs"),
        List.of("spark.kiln.job-root=s3://conf/jobs"), null, null).jobRoot()).isEqualTo("s3://conf/jobs");
    assertThat(KilnSettings.resolve(null, Map.of(), List.of("spark.kiln.job-root=s3://conf/jobs"), null,
        "file:///flag").jobRoot()).isEqualTo("file:///flag");
  }

  @Test
  void hadoopSettingsComeFromSparkHadoopKeys() {
    var conf = KilnSettings.resolve(null, Map.of("AWS_ACCESS_KEY_ID", "AK", "AWS_SECRET_ACCESS_KEY", "SK"), List.of(),
        null, null).hadoopConf();
    assertThat(conf.get("fs.s3a.access.key")).isEqualTo("AK");
    assertThat(conf.get("fs.s3a.directory.marker.retention")).isEqualTo("keep");
  }
}
