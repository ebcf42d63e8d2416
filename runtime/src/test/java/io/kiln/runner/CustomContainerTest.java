package io.kiln.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.AlgorithmSpec;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TrainingImage that is neither a built-in nor a framework image (a custom container) is refused
 * with one line saying whether a container engine is on the driver's PATH and what to do instead; a
 * near-miss of a known repository still gets its suggestion.
 */
class CustomContainerTest {
  private static final String IMAGE = "111122223333.dkr.ecr.us-east-1.amazonaws.com/my-trainer:latest";

  @Test
  void aCustomImageIsRefusedNamingTheMissingContainerEngine(@TempDir Path dir) throws Exception {
    KilnException e = catchThrowableOfType(() -> new Algorithms(List.of()).resolve(
        new AlgorithmSpec("my-trainer", IMAGE, "File")), KilnException.class);
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    assertThat(e.getMessage()).startsWith("TrainingImage '" + IMAGE + "' is a custom container, not a SageMaker "
        + "built-in or framework image Kiln runs (").endsWith("; run its training code as a script job instead: a "
        + "framework image (e.g. pytorch-training) with sagemaker_program and sagemaker_submit_directory, or a Kiln "
        + "spec's algorithm.entryPoint, optionally with ContainerEntrypoint as the image's ENTRYPOINT "
        + "(docs/script-mode.md)");

    assertThat(Algorithms.customContainer(IMAGE, dir.toString()).getMessage()).contains("(no container engine "
        + "(docker, podman) was found on the driver's PATH, and Kiln's executors run no containers)");
    Path podman = Files.createFile(dir.resolve("podman"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThat(Algorithms.customContainer(IMAGE, "/nonexistent:" + dir).getMessage()).contains("(a container engine "
        + "is on the driver's PATH (" + podman + "), but Kiln's executors do not start containers)");
  }
}
