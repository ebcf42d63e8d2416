package io.kiln.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.barrier.HadoopConf;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HadoopCheckpointStoreTest {
  static final CheckpointIdentity JOB = new CheckpointIdentity("counting", Map.of("rounds", "10"), "abc");

  @TempDir
  Path dir;
  @TempDir
  Path local;

  HadoopCheckpointStore store(int keep) {
    return new HadoopCheckpointStore(dir.resolve("ckpt").toUri().toString(), keep,
        new HadoopConf(new Configuration()));
  }

  /** A state directory with a top-level file and a nested one. */
  Path state(String model) throws IOException {
    Path d = Files.createTempDirectory(local, "state-");
    Files.writeString(d.resolve("model"), model);
    Files.createDirectories(d.resolve("nested/deeper"));
    Files.writeString(d.resolve("nested/deeper/state.json"), "{\"m\":\"" + model + "\"}");
    return d;
  }

  Path ckpt(int round) {
    return dir.resolve("ckpt").resolve(String.format("kiln-checkpoint-%010d", round));
  }

  @Test
  void restoresTheNewestCompleteCheckpointWithItsFilesAndWriter() throws Exception {
    HadoopCheckpointStore s = store(3);
    assertThat(s.latest()).isEmpty();
    s.save(10, state("ten"), JOB);
    s.save(20, state("twenty"), JOB);
    CheckpointStore.Info c = s.latest().orElseThrow();
    assertThat(c.round()).isEqualTo(20);
    assertThat(c.writer()).isEqualTo(JOB);
    assertThat(c.bytes()).isEqualTo("twenty".length() + "{\"m\":\"twenty\"}".length());
    assertThat(s.list()).extracting(CheckpointStore.Info::round).containsExactly(20, 10);
    Path into = local.resolve("restored");
    assertThat(s.restore(c, into)).isTrue();
    assertThat(Files.readString(into.resolve("model"))).isEqualTo("twenty");
    assertThat(Files.readString(into.resolve("nested/deeper/state.json"))).isEqualTo("{\"m\":\"twenty\"}");
  }

  @Test
  void aCheckpointWithoutItsManifestIsNeverListed() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, state("ten"), JOB);
    Path partial = Files.createDirectories(ckpt(20).resolve("files"));
    Files.writeString(partial.resolve("model"), "half-written");
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
  }

  @Test
  void listingReadsManifestsOnlyAndRestoreRefusesAFileThatDoesNotMatchItsChecksum() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, state("ten"), JOB);
    s.save(20, state("twenty"), JOB);
    Files.writeString(ckpt(20).resolve("files/model"), "tw3nty");
    // the listing does not read the files: the corrupt one is listed ...
    CheckpointStore.Info twenty = s.latest().orElseThrow();
    assertThat(twenty.round()).isEqualTo(20);
    // ... but never restored, and leaves nothing behind
    Path into = local.resolve("r20");
    assertThat(s.restore(twenty, into)).isFalse();
    try (Stream<Path> files = Files.walk(into)) {
      assertThat(files.filter(Files::isRegularFile)).isEmpty();
    }
    Files.delete(ckpt(10).resolve("files/nested/deeper/state.json"));
    assertThat(s.restore(s.list().get(1), local.resolve("r10"))).isFalse();
  }

  @Test
  void aManifestThatIsNotJsonOrNamesAnotherRoundIsSkipped() throws Exception {
    HadoopCheckpointStore s = store(3);
    s.save(10, state("ten"), JOB);
    s.save(20, state("twenty"), JOB);
    Files.writeString(ckpt(20).resolve("MANIFEST.json"), "{not json");
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
    String ten = Files.readString(ckpt(10).resolve("MANIFEST.json"));
    Files.writeString(ckpt(20).resolve("MANIFEST.json"), ten);
    assertThat(s.latest().orElseThrow().round()).isEqualTo(10);
  }

  @Test
  void keepsOnlyTheNewestCompleteCheckpoints() throws Exception {
    HadoopCheckpointStore s = store(2);
    Files.createDirectories(ckpt(1)); // an abandoned partial one
    for (int r = 2; r <= 6; r++) {
      s.save(r, state("r" + r), JOB);
    }
    assertThat(s.rounds()).containsExactly(6, 5);
    assertThat(s.latest().orElseThrow().round()).isEqualTo(6);
  }

  @Test
  void aManifestNamingAFileOutsideItsDirectoryIsNeverRestored() throws Exception {
    HadoopCheckpointStore s = store(2);
    s.save(1, state("one"), JOB);
    Path manifest = ckpt(1).resolve("MANIFEST.json");
    Files.writeString(manifest, Files.readString(manifest).replace("\"model\"", "\"../../escape\""));
    assertThat(s.restore(s.latest().orElseThrow(), local.resolve("r1"))).isFalse();
    assertThat(local.resolve("escape")).doesNotExist();
    assertThat(dir.resolve("escape")).doesNotExist();
  }

  @Test
  void aSaveAtARoundThatHasAPartialDirectoryReplacesIt() throws Exception {
    HadoopCheckpointStore s = store(2);
    Path partial = Files.createDirectories(ckpt(5).resolve("files"));
    Files.writeString(partial.resolve("stale"), "from a writer that died");
    s.save(5, state("five"), JOB);
    Path into = local.resolve("r5");
    assertThat(s.restore(s.latest().orElseThrow(), into)).isTrue();
    assertThat(into.resolve("stale")).doesNotExist();
  }
}
