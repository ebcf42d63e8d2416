package io.kiln.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a reference computation in Debian's Python ({@code /usr/bin/python3} with python3-xgboost,
 * python3-sklearn ...). A missing interpreter or package fails the test with the command that
 * installs it: reference checks never skip.
 */
public final class ReferencePython {
  public static final String PYTHON = "/usr/bin/python3";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ReferencePython() {}

  /** Fails unless every module imports; names the Debian packages to install. */
  public static void require(String... modules) {
    requireFrom("python3-xgboost python3-sklearn python3-protobuf", modules);
  }

  /** Fails unless every module imports, naming {@code packages} (Debian's) as the fix. */
  public static void requireFrom(String packages, String... modules) {
    StringBuilder imports = new StringBuilder();
    for (String m : modules) {
      imports.append("import ").append(m).append('\n');
    }
    Result r = run(List.of(PYTHON, "-c", imports.toString()), 60);
    if (r.exit != 0) {
      throw new AssertionError("Reference Python modules " + String.join(", ", modules) + " are missing ("
          + r.stderr.strip() + "). Install them: apt-get install -y " + packages);
    }
  }

  /**
   * Runs a script from the test classpath with a JSON request; returns its JSON output.
   * {@code companions}: other classpath resources the script reads, copied beside it.
   */
  public static JsonNode call(Class<?> owner, String resource, Object request, String... companions) {
    try {
      Path dir = TestSpark.tempDir("kiln-ref-");
      Path script = dir.resolve(Paths.get(resource).getFileName().toString());
      for (String r : concat(resource, companions)) {
        try (InputStream in = owner.getResourceAsStream(r)) {
          if (in == null) {
            throw new AssertionError("missing test resource " + r);
          }
          Files.copy(in, dir.resolve(Paths.get(r).getFileName().toString()));
        }
      }
      Path req = dir.resolve("request.json");
      Files.writeString(req, MAPPER.writeValueAsString(request));
      Result r = run(List.of(PYTHON, script.toString(), req.toString()), 600);
      if (r.exit != 0) {
        throw new AssertionError("Reference script " + resource + " failed (exit " + r.exit + "): " + r.stderr);
      }
      return MAPPER.readTree(r.stdout);
    } catch (IOException e) {
      throw new AssertionError("Reference script " + resource + " could not run: " + e, e);
    }
  }

  private static List<String> concat(String first, String... rest) {
    List<String> all = new java.util.ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all;
  }

  private record Result(int exit, String stdout, String stderr) {}

  private static Result run(List<String> command, int timeoutSeconds) {
    if (!Files.isExecutable(Paths.get(PYTHON))) {
      throw new AssertionError(PYTHON + " is missing; install Debian's python3 with: apt-get install -y "
          + "python3 python3-xgboost python3-sklearn");
    }
    try {
      Path io = TestSpark.tempDir("kiln-ref-run-");
      Path out = io.resolve("stdout.txt");
      Path err = io.resolve("stderr.txt");
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("Reference command timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("Cannot run " + command + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
