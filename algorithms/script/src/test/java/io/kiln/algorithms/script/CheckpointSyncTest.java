package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.CheckpointLocation;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * {@link CheckpointSync} against a local checkpoint location (a {@code file:} URI, through the same
 * Hadoop filesystem calls as S3): restore, change detection, names and links that would leave the
 * directory, LocalPath mapping. The script jobs' own test ({@code ScriptJobsTest}) runs it on S3.
 */
class CheckpointSyncTest {
  private static CheckpointSync.Plan plan(Path location, String localPath) {
    return CheckpointSync.plan(new CheckpointLocation(location.toUri().toString(), localPath), new Configuration(),
        1000);
  }

  @Test
  void restoresEveryFileThenUploadsOnlyNewAndChangedOnes() throws Exception {
    Path location = Files.createTempDirectory("kiln-ckpt-location-");
    Files.createDirectories(location.resolve("sub"));
    Files.writeString(location.resolve("sub/a.txt"), "a");
    Files.writeString(location.resolve(".b.txt.0123abcd-0000-0000-0000-000000000000.tmp"), "a writer's temporary");
    Path root = Files.createTempDirectory("kiln-ckpt-root-");
    List<String> log = new ArrayList<>();
    CheckpointSync sync = new CheckpointSync(plan(location, null), root, log::add);
    assertThat(sync.restore()).isEqualTo(1);
    assertThat(sync.directory()).isEqualTo(root.resolve("checkpoints"));
    assertThat(Files.readString(root.resolve("checkpoints/sub/a.txt"))).isEqualTo("a");
    assertThat(log).containsExactly("Restored 1 checkpoint file(s), 1 bytes, from " + location.toUri()
        + " into /opt/ml/checkpoints");
    assertThat(sync.sync()).as("restored files are not uploaded again").isZero();

    Files.writeString(root.resolve("checkpoints/new.txt"), "new");
    assertThat(sync.sync()).isEqualTo(1);
    assertThat(Files.readString(location.resolve("new.txt"))).isEqualTo("new");
    assertThat(sync.sync()).isZero();
    Files.writeString(root.resolve("checkpoints/sub/a.txt"), "changed");
    assertThat(sync.sync()).isEqualTo(1);
    assertThat(Files.readString(location.resolve("sub/a.txt"))).isEqualTo("changed");
    try (var files = Files.list(location)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file left").containsExactlyInAnyOrder("sub", "new.txt",
              ".b.txt.0123abcd-0000-0000-0000-000000000000.tmp");
    }
  }

  @Test
  void aSymbolicLinkIsNeverUploadedAndFailsTheJobAtTheEnd() throws Exception {
    Path location = Files.createTempDirectory("kiln-ckpt-location-");
    Path root = Files.createTempDirectory("kiln-ckpt-root-");
    Path secret = Files.writeString(Files.createTempFile("kiln-ckpt-secret-", ".txt"), "secret");
    CheckpointSync sync = new CheckpointSync(plan(location, "/opt/ml/ckpt/"), root, line -> { });
    sync.restore();
    Files.createSymbolicLink(root.resolve("ckpt/link.txt"), secret);
    Files.createDirectories(root.resolve("ckpt/d"));
    Files.createSymbolicLink(root.resolve("ckpt/d/dirlink"), secret.getParent());
    Files.writeString(root.resolve("ckpt/ok.txt"), "ok");
    sync.start();
    assertThatThrownBy(sync::finish).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).matches("/opt/ml/ckpt/(link.txt|d/dirlink) \\(CheckpointConfig.LocalPath\\) is a "
          + "symbolic link, which Kiln does not sync to .*; write the file itself there");
    });
    try (var files = Files.walk(location)) {
      assertThat(files.filter(Files::isRegularFile).map(p -> location.relativize(p).toString()))
          .containsExactly("ok.txt");
    }
  }

  @Test
  void anObjectNameThatWouldLeaveTheDirectoryIsRefused() {
    Path dir = Path.of("/tmp/root/checkpoints");
    assertThat(CheckpointSync.localFile(dir, "a/b.pt", "s3://b/c/")).isEqualTo(dir.resolve("a/b.pt"));
    for (String name : List.of("../x", "a/../../x", "/etc/passwd", "a/../b", "./a", "a//b", "a\\b", "")) {
      assertThatThrownBy(() -> CheckpointSync.localFile(dir, name, "s3://b/c/"))
          .as(name).isInstanceOfSatisfying(KilnException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.USER);
            assertThat(e.getMessage()).isEqualTo("The checkpoint location s3://b/c/ (CheckpointConfig.S3Uri, "
                + "checkpoint.uri) holds '" + name + "', which would be written outside the checkpoint directory "
                + dir + "; remove or rename that object");
          });
    }
  }

  @Test
  void localPathMustBeADirectoryUnderOptMl() {
    assertThat(CheckpointSync.relativeLocalPath(null)).isEqualTo("checkpoints");
    assertThat(CheckpointSync.relativeLocalPath("/opt/ml/checkpoints/")).isEqualTo("checkpoints");
    assertThat(CheckpointSync.relativeLocalPath("/opt/ml/my/ckpt")).isEqualTo("my/ckpt");
    for (String bad : List.of("/tmp/ckpt", "checkpoints", "/opt/ml", "/opt/ml/", "/opt/ml/../etc",
        "/opt/ml/a/./b", "/opt/mlx/a")) {
      assertThatThrownBy(() -> CheckpointSync.relativeLocalPath(bad)).as(bad)
          .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.getMessage()).startsWith(
              "CheckpointConfig.LocalPath (checkpoint.localPath) '" + bad + "' is not a directory under /opt/ml"));
    }
  }
}
