package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.testing.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A source's requirements.txt installed with Debian's own Python and pip, offline ({@code
 * PIP_NO_INDEX}): what the worker has satisfies it without a download, a package nobody can install
 * is a user error naming it, and without the file (or with another interpreter) nothing happens.
 */
class RequirementsTest {
  private static final String PYTHON = "/usr/bin/python3";

  private static Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>(System.getenv());
    env.put("PIP_NO_INDEX", "1"); // never reach for an index: this machine has no internet
    env.put("PIP_FIND_LINKS", "");
    return env;
  }

  @Test
  void aRequirementTheWorkerHasRunsTheScriptInTheTasksEnvironment() throws Exception {
    Path root = TestSpark.tempDir("kiln-req-");
    Path code = Files.createDirectories(root.resolve("code"));
    Files.writeString(code.resolve(Requirements.FILE), "# the worker has it\nnumpy\n");
    List<String> lines = new ArrayList<>();
    String python = Requirements.install(PYTHON, code, root.resolve("venv"), env(), "127.0.0.1", lines::add,
        () -> false);
    assertThat(python).isEqualTo(root.resolve("venv/bin/python").toString());
    assertThat(String.join("\n", lines)).contains("Requirement already satisfied: numpy");
    Process p = new ProcessBuilder(python, "-c", "import sys, numpy; print(sys.prefix)").start();
    assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo(root.resolve("venv").toString());
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void aRequirementNoIndexHasIsAUserErrorNamingIt() throws Exception {
    Path root = TestSpark.tempDir("kiln-req-");
    Path code = Files.createDirectories(root.resolve("code"));
    Files.writeString(code.resolve(Requirements.FILE), "numpy\nkiln-no-such-package==9.9\n");
    KilnException e = catchThrowableOfType(() -> Requirements.install(PYTHON, code, root.resolve("venv"), env(),
        "127.0.0.2", l -> { }, () -> false), KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).startsWith("requirements.txt in the script's source cannot be installed on worker "
        + "127.0.0.2: the requirement 'kiln-no-such-package==9.9' has no distribution").doesNotContain("\n");
  }

  @Test
  void withoutTheFileOrAPythonNothingIsInstalled() throws Exception {
    Path root = TestSpark.tempDir("kiln-req-");
    Path code = Files.createDirectories(root.resolve("code"));
    assertThat(Requirements.install(PYTHON, code, root.resolve("venv"), env(), "h", l -> { }, () -> false))
        .isEqualTo(PYTHON);
    Files.writeString(code.resolve(Requirements.FILE), "numpy\n");
    assertThat(Requirements.install("/bin/sh", code, root.resolve("venv"), env(), "h", l -> { }, () -> false))
        .isEqualTo("/bin/sh");
    assertThat(root.resolve("venv")).doesNotExist();
    assertThat(Requirements.isPython("/usr/bin/python3.11")).isTrue();
    assertThat(Requirements.isPython("/usr/bin/bash")).isFalse();
  }
}
