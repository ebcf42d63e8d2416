package io.kiln.barrier;

import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One worker's local output directories, laid out as SageMaker's {@code /opt/ml}: {@code model/},
 * {@code output/data/} and {@code output/failure}, under a temporary directory of the task that is
 * removed when the task ends.
 */
final class WorkerOutputs implements AutoCloseable {
  private final Path root;

  WorkerOutputs(String jobName, int rank) {
    try {
      root = Files.createTempDirectory("kiln-" + jobName + "-" + rank + "-");
      Files.createDirectories(root.resolve("model"));
      Files.createDirectories(root.resolve("output").resolve("data"));
    } catch (IOException e) {
      throw KilnException.internal("Worker " + rank + " cannot create its output directories: " + e.getMessage(), e);
    }
  }

  Path modelDirectory() {
    return root.resolve("model");
  }

  Path outputDataDirectory() {
    return root.resolve("output").resolve("data");
  }

  Path failureFile() {
    return root.resolve("output").resolve("failure");
  }

  @Override
  public void close() {
    try (var s = Files.walk(root)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; the OS cleans what is left
    }
  }
}
