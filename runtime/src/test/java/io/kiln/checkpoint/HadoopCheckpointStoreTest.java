package io.kiln.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.barrier.HadoopConf;
import io.kiln.spi.CheckpointStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopCheckpointStoreTest {
  @TempDir
  Path dir;

  HadoopCheckpointStore store(int keep) {
    return new HadoopCheckpointStore(dir.toUri().toString(), keep, new HadoopConf(new Configuration()));
  }

  static Map<String, byte[]> files(String model) {
    return Map.of("model", model.getBytes(StandardCharsets.UTF_8), "state.json", "{}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void restoresTheNewestCompleteCheckpointWithItsFiles() {
    HadoopCheckpointStore s = store(3);
    assertThat(s.latest()).isEmpty();
    s.save(10, files("ten"));
    s.save(20, files("twenty"));
    CheckpointStore.Checkpoint c = s.latest().orElseThrow();
    assertThat(c.round()).isEqualTo(20);
    assertThat(new String(c.files().get("model"), StandardCharsets.UTF_8)).isEqualTo("twenty");
    assertThat(s.latestAtOrBefore(19).orElseThrow().round()).isEqualTo(10);
    assertThat(s.latestAtOrBefore(9)).isEmpty();
  }

  @Test
  void aCheckpointWithoutItsManifestIsNeverRestored() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, files("ten"));
    Path partial = Files.createDirectories(dir.resolve("kiln-checkpoint-0000000020"));
    Files.writeString(partial.resolve("model"), "half-written");
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
  }

  @Test
  void aFileThatDoesNotMatchItsChecksumIsNeverRestored() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, files("ten"));
    s.save(20, files("twenty"));
    Files.writeString(dir.resolve("kiln-checkpoint-0000000020/model"), "tw3nty");
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
    Files.delete(dir.resolve("kiln-checkpoint-0000000010/state.json"));
    assertThat(s.latest()).isEmpty();
  }

  @Test
  void aManifestThatIsNotJsonOrNamesAnotherRoundIsSkipped() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, files("ten"));
    s.save(20, files("twenty"));
    Files.writeString(dir.resolve("kiln-checkpoint-0000000020/MANIFEST.json"), "{not json");
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
    String ten = Files.readString(dir.resolve("kiln-checkpoint-0000000010/MANIFEST.json"));
    Files.writeString(dir.resolve("kiln-checkpoint-0000000020/MANIFEST.json"), ten);
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
  }

  @Test
  void keepsOnlyTheNewestCompleteCheckpoints() throws Exception {
    HadoopCheckpointStore s = store(2);
    Files.createDirectories(dir.resolve("kiln-checkpoint-0000000001")); // an abandoned partial one
    for (int r = 2; r <= 6; r++) {
      s.save(r, files("r" + r));
    }
    assertThat(s.rounds()).containsExactly(6, 5);
    assertThat(s.latest().orElseThrow().round()).isEqualTo(6);
  }

  @Test
  void fileNamesCannotLeaveTheCheckpointDirectory() {
    HadoopCheckpointStore s = store(2);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.save(1, Map.of("../escape", new byte[] {1})))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.save(1, Map.of("MANIFEST.json", new byte[] {1})))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
