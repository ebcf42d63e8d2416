package io.kiln.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.barrier.HadoopConf;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.Directive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointServiceTest {
  static final CheckpointIdentity JOB = new CheckpointIdentity("counting", Map.of("rate", "0.1"), "data-1");
  static final CheckpointIdentity OTHER_JOB = new CheckpointIdentity("counting", Map.of("rate", "0.3"), "data-1");

  @TempDir
  Path dir;
  final List<String> log = Collections.synchronizedList(new ArrayList<>());

  HadoopCheckpointStore store() {
    return new HadoopCheckpointStore(dir.resolve("ckpt").toUri().toString(), 3, new HadoopConf(new Configuration()));
  }

  CheckpointService service(CheckpointIdentity identity, int interval) {
    return new CheckpointService(store(), identity, 0, 1, null, log::add, interval);
  }

  static Checkpointing.StateWriter state(int round) {
    return d -> Files.writeString(d.resolve("round"), Integer.toString(round));
  }

  static int round(Checkpointing.Restored r) throws Exception {
    return Integer.parseInt(Files.readString(r.directory().resolve("round")));
  }

  @Test
  void restoresOnlyCheckpointsTheSameJobWroteAndSaysWhichItPassesOver() throws Exception {
    try (CheckpointService mine = service(JOB, 5)) {
      mine.saveNow(4, state(4));
    }
    try (CheckpointService other = service(OTHER_JOB, 5)) {
      other.saveNow(50, state(50));
    }
    try (CheckpointService again = service(JOB, 5)) {
      Checkpointing.Restored r = again.restore().orElseThrow();
      assertThat(r.round()).isEqualTo(4);
      assertThat(round(r)).isEqualTo(4);
    }
    assertThat(log).anyMatch(l -> l.startsWith("NOTICE not restoring the checkpoint after round 50: another job wrote"
        + " it (hyperparameter rate is 0.3 there, 0.1 in this job)"));
    assertThat(log).contains("Resumed from the checkpoint after round 4");
    try (CheckpointService third = service(new CheckpointIdentity("counting", Map.of("rate", "0.2"), "data-2"), 5)) {
      assertThat(third.restore()).isEmpty();
    }
  }

  @Test
  void savesEveryIntervalAndAtOnceForEmergencyAndStopButNeverTheSameRoundTwice() throws Exception {
    try (CheckpointService s = service(JOB, 3)) {
      for (int round = 1; round <= 7; round++) {
        s.afterRound(round, 1_000, Directive.CONTINUE, state(round));
      }
      s.afterRound(8, 1_000, Directive.CHECKPOINT, state(8));
      s.afterRound(9, 1_000, Directive.STOP, state(9));
      s.saveFinal(9, state(9));
    }
    // a user's interval is kept: round 6 waits for round 3's background upload rather than being skipped
    assertThat(store().list()).extracting(CheckpointStore.Info::round).containsExactly(9, 8, 6);
    assertThat(log).anyMatch(l -> l.startsWith("Checkpoint saved after round 6 ("));
    assertThat(log).contains("Emergency checkpoint saved after round 8", "Final checkpoint saved after round 9");
    assertThat(log.stream().filter(l -> l.contains("after round 9")).count()).isEqualTo(1);
    assertThat(log).anyMatch(l -> l.startsWith("Checkpoint saved after round 3 ("));
  }

  @Test
  void aJobWithoutACheckpointLocationSavesNothingAndRestoresNothing() {
    CheckpointService none = new CheckpointService(null, JOB, 0, 1, null, log::add, 0);
    assertThat(none.enabled()).isFalse();
    none.afterRound(1, 1, Directive.STOP, d -> {
      throw new AssertionError("not called");
    });
    none.saveFinal(1, d -> {
      throw new AssertionError("not called");
    });
    assertThat(none.restore()).isEmpty();
    none.close();
  }

  @Test
  void everyRankRestoresTheRoundRankZeroChose() throws Exception {
    try (CheckpointService s = service(JOB, 1)) {
      s.saveNow(7, state(7));
    }
    int workers = 3;
    CyclicBarrier barrier = new CyclicBarrier(workers);
    AtomicReferenceArray<String> messages = new AtomicReferenceArray<>(workers);
    List<CompletableFuture<Optional<Integer>>> ranks = new ArrayList<>();
    for (int rank = 0; rank < workers; rank++) {
      int r = rank;
      Function<String, List<String>> allGather = m -> {
        try {
          messages.set(r, m);
          barrier.await();
          List<String> all = new ArrayList<>();
          for (int i = 0; i < workers; i++) {
            all.add(messages.get(i));
          }
          barrier.await();
          return all;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
      ranks.add(CompletableFuture.supplyAsync(() -> {
        try (CheckpointService s = new CheckpointService(store(), JOB, r, workers, allGather, log::add, 0)) {
          Optional<Checkpointing.Restored> restored = s.restore();
          return restored.map(x -> {
            try {
              return round(x);
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
        }
      }));
    }
    for (CompletableFuture<Optional<Integer>> f : ranks) {
      assertThat(f.get()).contains(7);
    }
    // only rank 0 writes, so only rank 0 logs the resume
    assertThat(log.stream().filter(l -> l.startsWith("Resumed")).count()).isEqualTo(1);
  }
}
