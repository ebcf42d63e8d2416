package io.kiln.algorithms.xgboost;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Users see no XGBoost warning they did not cause. Kiln sets XGBoost's {@code updater} itself when
 * sampling is on (subsample &lt; 1, see {@link XGBoostWorker#alternatingUpdaters}); native XGBoost
 * then warns that the parameter was set by hand. Native warnings go to the process's stderr, so each
 * case runs in a JVM of its own ({@link UpdaterWarningProbe}).
 */
class XGBoostNoiseTest {
  static final String WARNING = "You have manually specified the `updater` parameter";

  static String run(String mode) throws IOException, InterruptedException {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    Path out = Files.createTempFile("kiln-probe-", ".txt");
    Process p = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
        UpdaterWarningProbe.class.getName(), mode)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the probe ends").isTrue();
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }

  @Test
  void kilnsOwnUpdaterSettingPrintsNoWarningWhileAUsersDoes() throws Exception {
    String kiln = run("kiln");
    assertThat(kiln).contains("trained 4 rounds with updaters grow_quantile_histmaker / "
        + "grow_quantile_histmaker,refresh").doesNotContain(WARNING);
    // the control: the same updaters set by the user do bring XGBoost's warning (the user caused it)
    String user = run("user");
    assertThat(user).contains("trained 4 rounds with updaters set by the user", WARNING);
  }
}
