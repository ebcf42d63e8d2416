package io.kiln.algorithms.script;

import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A script source's {@code requirements.txt}, installed before the script starts as the SageMaker
 * training toolkit does ({@code modules.install_requirements}: {@code python -m pip install -r
 * requirements.txt} in the code directory, when the file is at the source's root).
 *
 * <p>Unlike a SageMaker container, a worker's Python usually belongs to its operating system, which
 * refuses installs into it (PEP 668) and which other jobs share. So the packages go into a virtual
 * environment of the task's own ({@code python -m venv --without-pip --system-site-packages}): the
 * packages already installed on the worker satisfy their requirements without a download, the others
 * are installed into it with the worker's own pip, and the script then runs with that environment's
 * interpreter. Nothing outlives the task. Only for a Python interpreter; pip's settings come from the
 * job's environment as pip reads them ({@code PIP_INDEX_URL}, {@code PIP_NO_INDEX} …).
 */
final class Requirements {
  /** The file the toolkit installs, at the root of the source. */
  static final String FILE = "requirements.txt";
  /** pip's way of saying a requirement has no distribution it may install. */
  private static final Pattern NOT_FOUND =
      Pattern.compile("No matching distribution found for (\\S+)");
  private static final int TAIL = 20;

  private Requirements() {}

  /** Whether {@code interpreter} (a name or a path) is a Python. */
  static boolean isPython(String interpreter) {
    String name = Path.of(interpreter).getFileName().toString();
    return name.startsWith("python");
  }

  /**
   * Installs {@code codeDir/requirements.txt}, when there is one and the interpreter is a Python,
   * into a new virtual environment at {@code venvDir}.
   *
   * @param interpreter the resolved interpreter's absolute path
   * @param env the script's environment (pip reads its settings from it)
   * @param log receives each line pip prints
   * @param stopped polled while pip runs; true ends it (SIGTERM, then SIGKILL after 10 s)
   * @return the interpreter the script runs with: the environment's Python, or {@code interpreter}
   *     unchanged when there is nothing to install
   * @throws KilnException USER naming the requirement pip could not install (or pip's last error
   *     line) and the worker, with the fix; USER when the worker's Python has no venv module or pip
   */
  static String install(String interpreter, Path codeDir, Path venvDir, Map<String, String> env, String host,
      Consumer<String> log, BooleanSupplier stopped) throws IOException, InterruptedException {
    Path file = codeDir.resolve(FILE);
    if (!Files.isRegularFile(file) || !isPython(interpreter)) {
      return interpreter;
    }
    Result venv = run(List.of(interpreter, "-m", "venv", "--without-pip", "--system-site-packages",
        venvDir.toString()), codeDir, env, log, stopped);
    Path python = venvDir.resolve("bin").resolve("python");
    if (venv.code() != 0 || !Files.isExecutable(python)) {
      throw KilnException.user("The source's " + FILE + " cannot be installed on worker " + host + ": " + interpreter
          + " -m venv failed (" + Messages.oneLine(venv.lastError()) + "); install Python's venv module on every "
          + "worker (Debian: python3-venv), or install the packages there and drop " + FILE + " from the source");
    }
    log.accept("Installing " + FILE + " with " + interpreter + " -m pip into the task's environment");
    Result pip = run(List.of(python.toString(), "-m", "pip", "install", "--disable-pip-version-check",
        "--no-input", "-r", FILE), codeDir, env, log, stopped);
    if (pip.code() != 0 && !stopped.getAsBoolean()) {
      Matcher m = NOT_FOUND.matcher(pip.lastError());
      String what = m.find() ? "the requirement '" + m.group(1) + "' has no distribution pip may install ("
          + "no such package, version or index)" : "pip failed: " + Messages.oneLine(pip.lastError());
      throw KilnException.user(FILE + " in the script's source cannot be installed on worker " + host + ": " + what
          + "; fix " + FILE + ", give pip an index it can reach (PIP_INDEX_URL in the job's environment), or "
          + "install the package on every worker");
    }
    return python.toString();
  }

  /** How a process ended: its exit code and the last non-blank line it printed (or ""). */
  private record Result(int code, String lastError) {}

  private static Result run(List<String> command, Path cwd, Map<String, String> env, Consumer<String> log,
      BooleanSupplier stopped) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
    pb.environment().clear();
    pb.environment().putAll(env);
    Process p = pb.start();
    Deque<String> tail = new ArrayDeque<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          log.accept(line);
          if (!line.isBlank()) {
            synchronized (tail) {
              tail.addLast(line.strip());
              if (tail.size() > TAIL) {
                tail.removeFirst();
              }
            }
          }
        }
      } catch (IOException e) {
        // the process ended; its exit code decides
      }
    }, "kiln-requirements");
    reader.setDaemon(true);
    reader.start();
    try {
      while (!p.waitFor(1, TimeUnit.SECONDS)) {
        if (stopped.getAsBoolean()) {
          p.destroy();
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
          break;
        }
      }
      int code = p.waitFor();
      reader.join(5000);
      synchronized (tail) {
        // pip's first ERROR line names the requirement; later ones repeat or add notices
        String error = tail.stream().filter(l -> l.startsWith("ERROR:")).filter(l -> NOT_FOUND.matcher(l).find())
            .findFirst().orElse(tail.isEmpty() ? "" : tail.peekLast());
        return new Result(code, error);
      }
    } finally {
      if (p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
