package io.kiln.channel;

import static io.kiln.channel.LocalChannel.plan;
import static io.kiln.channel.LocalChannel.userError;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.channel.InputSplit.Unit;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.DataObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The planner only looks at keys and sizes for text, so these channels are made up. */
class SplitPlannerTest {
  private static final String A = "file:/data/train/a.csv";
  private static final String B = "file:/data/train/b.csv";
  private static final String C = "file:/data/train/c.csv";

  @Test
  void fullyReplicatedCutsTheObjectsLaidEndToEndIntoEqualParts() {
    ChannelData channel = text(false, new DataObject(A, 10), new DataObject(B, 20));

    assertThat(plan(channel, 3)).containsExactly(
        List.of(bytes(A, 0, 10, 10)),
        List.of(bytes(B, 0, 10, 20)),
        List.of(bytes(B, 10, 20, 20)));
  }

  @Test
  void oneWorkerGetsEveryObjectWhole() {
    ChannelData channel = text(false, new DataObject(A, 7), new DataObject(B, 1), new DataObject(C, 30));

    assertThat(plan(channel, 1)).containsExactly(List.of(bytes(A, 0, 7, 7), bytes(B, 0, 1, 1), bytes(C, 0, 30, 30)));
  }

  @Test
  void aWorkerShareCanSpanSeveralObjects() {
    ChannelData channel = text(false, new DataObject(A, 5), new DataObject(B, 3), new DataObject(C, 12));

    // total 20, boundaries 0, 10, 20
    assertThat(plan(channel, 2)).containsExactly(
        List.of(bytes(A, 0, 5, 5), bytes(B, 0, 3, 3), bytes(C, 0, 2, 12)),
        List.of(bytes(C, 2, 12, 12)));
  }

  @Test
  void emptyObjectsGetNoSplit() {
    ChannelData channel = text(false, new DataObject(A, 0), new DataObject(B, 8), new DataObject(C, 0));

    assertThat(plan(channel, 2)).containsExactly(List.of(bytes(B, 0, 4, 8)), List.of(bytes(B, 4, 8, 8)));
  }

  @Test
  void fullyReplicatedSplitsAreContiguousAndCoverEveryByteOnce() {
    Random random = new Random(42);
    for (int trial = 0; trial < 200; trial++) {
      List<DataObject> objects = new ArrayList<>();
      int files = 1 + random.nextInt(6);
      for (int f = 0; f < files; f++) {
        long size = switch (random.nextInt(4)) {
          case 0 -> 1 + random.nextInt(3);
          case 1 -> 0;
          default -> 1 + random.nextInt(100_000);
        };
        objects.add(new DataObject(String.format("file:/data/train/part-%03d", f), size));
      }
      ChannelData channel = text(false, objects.toArray(DataObject[]::new));
      long total = channel.totalBytes();
      for (int workers = 1; workers <= Math.min(7, total); workers++) {
        List<List<InputSplit>> plan = plan(channel, workers);

        assertThat(plan).hasSize(workers);
        // laid end to end in rank order, the splits walk every non-empty object from its first to its last byte
        List<InputSplit> flat = plan.stream().flatMap(List::stream).toList();
        int next = 0;
        long position = 0;
        for (DataObject o : objects) {
          if (o.size() == 0) {
            continue;
          }
          long covered = 0;
          while (covered < o.size()) {
            InputSplit s = flat.get(next++);
            assertThat(s.uri()).isEqualTo(o.uri());
            assertThat(s.start()).isEqualTo(covered);
            assertThat(s.end()).isGreaterThan(s.start()).isLessThanOrEqualTo(o.size());
            assertThat(s.objectSize()).isEqualTo(o.size());
            assertThat(s.unit()).isEqualTo(Unit.BYTES);
            assertThat(s.gzip()).isFalse();
            covered = s.end();
          }
          position += o.size();
        }
        assertThat(next).isEqualTo(flat.size());
        assertThat(position).isEqualTo(total);
        // each worker holds exactly its share floor(total * (w + 1) / n) - floor(total * w / n)
        for (int w = 0; w < workers; w++) {
          long share = plan.get(w).stream().mapToLong(InputSplit::length).sum();
          assertThat(share).as("bytes of worker %d of %d, total %d", w, workers, total)
              .isEqualTo(total * (w + 1) / workers - total * w / workers);
        }
        assertThat(plan(channel, workers)).isEqualTo(plan);
        assertThat(new SplitPlanner(LocalChannel.CONF).plan(channel, workers)).isEqualTo(plan);
      }
    }
  }

  @Test
  void gzipObjectsGoWholeToTheWorkerTheirMiddleFallsIn() {
    ChannelData channel = text(false,
        new DataObject("file:/d/a.csv.gz", 100), new DataObject("file:/d/b.csv.gz", 100),
        new DataObject("file:/d/c.csv.gz", 100));

    // total 300, boundary 150; middles 50, 150, 250
    assertThat(plan(channel, 2)).containsExactly(
        List.of(gzip("file:/d/a.csv.gz", 100)),
        List.of(gzip("file:/d/b.csv.gz", 100), gzip("file:/d/c.csv.gz", 100)));
  }

  @Test
  void gzipAndPlainObjectsMixInOneChannel() {
    ChannelData channel = text(false,
        new DataObject(A, 100), new DataObject("file:/data/train/b.GZ", 50), new DataObject(C, 100));

    // total 250, boundary 125: a.csv [0,125) -> worker 0; b.GZ's middle 125 -> worker 1; c.csv [150,250) -> 1
    assertThat(plan(channel, 2)).containsExactly(
        List.of(bytes(A, 0, 100, 100)),
        List.of(gzip("file:/data/train/b.GZ", 50), bytes(C, 0, 100, 100)));
  }

  @Test
  void gzipChannelsReadEveryObjectWholeWhateverItsName() {
    ChannelData channel = text(true, new DataObject(A, 40), new DataObject(B, 40));

    assertThat(plan(channel, 2)).containsExactly(List.of(gzip(A, 40)), List.of(gzip(B, 40)));
  }

  @Test
  void workerLeftWithoutACompressedObjectIsAUserError() {
    ChannelData channel = text(false, new DataObject("file:/d/only.gz", 1000));

    // its middle, byte 500, is worker 1's first byte
    assertThat(userError(() -> plan(channel, 2))).hasMessage("Channel 'train' cannot give each of the 2 workers a "
        + "share: worker 0 would get no data (1 object(s), compressed objects cannot be split). Use fewer workers "
        + "or split the data into more objects");
  }

  @Test
  void workerLeftWithoutBytesIsAUserError() {
    ChannelData channel = text(false, new DataObject(A, 3));

    // total 3 over 4 workers: boundaries 0, 0, 1, 2, 3
    assertThat(userError(() -> plan(channel, 4))).hasMessage("Channel 'train' cannot give each of the 4 workers a "
        + "share: worker 0 would get no data (1 object(s)). Use fewer workers or split the data into more objects");
    assertThat(plan(channel, 3)).containsExactly(
        List.of(bytes(A, 0, 1, 3)), List.of(bytes(A, 1, 2, 3)), List.of(bytes(A, 2, 3, 3)));
  }

  @Test
  void shardedByS3KeyDealsObjectsRoundRobinByKey() {
    List<DataObject> objects = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      objects.add(new DataObject("file:/d/part-" + i, 10 + i));
    }
    ChannelData channel = new ChannelData("train", "file:/d/", ContentType.CSV, DataDistribution.ShardedByS3Key,
        false, objects);

    assertThat(plan(channel, 2)).containsExactly(
        List.of(bytes("file:/d/part-0", 0, 10, 10), bytes("file:/d/part-2", 0, 12, 12),
            bytes("file:/d/part-4", 0, 14, 14)),
        List.of(bytes("file:/d/part-1", 0, 11, 11), bytes("file:/d/part-3", 0, 13, 13)));
    assertThat(plan(channel, 5)).extracting(s -> s.get(0).uri())
        .containsExactly("file:/d/part-0", "file:/d/part-1", "file:/d/part-2", "file:/d/part-3", "file:/d/part-4");
  }

  @Test
  void shardedByS3KeyKeepsGzipObjectsWhole() {
    ChannelData channel = new ChannelData("train", "file:/d/", ContentType.LIBSVM, DataDistribution.ShardedByS3Key,
        true, List.of(new DataObject("file:/d/a", 5), new DataObject("file:/d/b", 6)));

    assertThat(plan(channel, 2)).containsExactly(List.of(gzip("file:/d/a", 5)), List.of(gzip("file:/d/b", 6)));
  }

  @Test
  void shardedByS3KeyRefusesFewerObjectsThanWorkers() {
    ChannelData channel = new ChannelData("train", "file:/d/", ContentType.CSV, DataDistribution.ShardedByS3Key,
        false, List.of(new DataObject("file:/d/a", 5), new DataObject("file:/d/b", 0), new DataObject("file:/d/c", 5),
            new DataObject("file:/d/d", 5)));

    // the empty object does not count
    assertThat(userError(() -> plan(channel, 4))).hasMessage("Channel 'train' is ShardedByS3Key but has 3 object(s) "
        + "for 4 workers; each worker needs at least one object. Split the data into more objects, use fewer "
        + "workers, or use FullyReplicated");
    assertThat(plan(channel, 3)).extracting(List::size).containsExactly(1, 1, 1);
  }

  private static ChannelData text(boolean gzip, DataObject... objects) {
    return new ChannelData("train", "file:/data/train", ContentType.CSV, DataDistribution.FullyReplicated, gzip,
        List.of(objects));
  }

  private static InputSplit bytes(String uri, long start, long end, long size) {
    return new InputSplit(uri, start, end, size, Unit.BYTES, false);
  }

  private static InputSplit gzip(String uri, long size) {
    return new InputSplit(uri, 0, size, size, Unit.BYTES, true);
  }
}
