package io.kiln.channel;

import static io.kiln.channel.LocalChannel.list;
import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.DataObject;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelListerTest {
  @TempDir Path dir;

  @BeforeEach
  void writeBucket() {
    write(dir.resolve("train/part-0"), "1,2\n");
    write(dir.resolve("train/sub/part-1"), "1,2\n3,4\n");
    write(dir.resolve("train/_SUCCESS"), "");
    write(dir.resolve("train/.part-0.crc"), "crc");
    write(dir.resolve("train/_temporary/0/part-9"), "9,9\n");
    write(dir.resolve("train/.staging/part-8"), "8,8\n");
    write(dir.resolve("train.csv"), "5,6,7\n");
    write(dir.resolve("train-2.csv"), "8,9\n");
    write(dir.resolve("other.csv"), "0,0\n");
    write(dir.resolve("validation/part-0"), "0,0\n");
  }

  @Test
  void prefixWithoutSlashMatchesEveryKeyStartingWithIt() {
    ChannelData data = list("train", uri(dir) + "/train", ContentType.CSV);

    assertThat(relative(data.objects()))
        .containsExactly("train-2.csv", "train.csv", "train/part-0", "train/sub/part-1");
    assertThat(data.objects()).extracting(DataObject::size).containsExactly(4L, 6L, 4L, 8L);
    assertThat(data.totalBytes()).isEqualTo(22);
  }

  @Test
  void prefixWithSlashMatchesOnlyTheKeysUnderTheDirectory() {
    ChannelData data = list("train", uri(dir) + "/train/", ContentType.CSV);

    assertThat(relative(data.objects())).containsExactly("train/part-0", "train/sub/part-1");
  }

  @Test
  void prefixCanEndInsideAFileName() {
    ChannelData data = list("train", uri(dir) + "/train.", ContentType.CSV);

    assertThat(relative(data.objects())).containsExactly("train.csv");
  }

  @Test
  void exactFileUriListsThatFile() {
    ChannelData data = list("train", uri(dir) + "/other.csv", ContentType.CSV);

    assertThat(relative(data.objects())).containsExactly("other.csv");
  }

  @Test
  void objectsAreSortedByUriWhateverTheOrderOnDisk() {
    write(dir.resolve("shards/z"), "1,1\n");
    write(dir.resolve("shards/a/b"), "1,1\n");
    write(dir.resolve("shards/B"), "1,1\n");
    write(dir.resolve("shards/a-1"), "1,1\n");
    write(dir.resolve("shards/m10"), "1,1\n");
    write(dir.resolve("shards/m9"), "1,1\n");

    ChannelData data = list("train", uri(dir) + "/shards/", ContentType.CSV);

    // plain string order of the URIs: 'B' < 'a', '-' < '/', "m10" < "m9"
    assertThat(relative(data.objects()))
        .containsExactly("shards/B", "shards/a-1", "shards/a/b", "shards/m10", "shards/m9", "shards/z");
    assertThat(data.objects()).extracting(DataObject::uri).isSorted();
  }

  @Test
  void channelDataKeepsTheSpecAsWritten() {
    String prefix = uri(dir) + "/train/";
    ChannelData data = list("train-data", prefix, ContentType.LIBSVM, DataDistribution.ShardedByS3Key,
        ChannelSpec.Compression.Gzip);

    assertThat(data.name()).isEqualTo("train-data");
    assertThat(data.uri()).isEqualTo(prefix);
    assertThat(data.contentType()).isEqualTo(ContentType.LIBSVM);
    assertThat(data.distribution()).isEqualTo(DataDistribution.ShardedByS3Key);
    assertThat(data.gzip()).isTrue();
    assertThat(list("t", prefix, ContentType.CSV).gzip()).isFalse();
  }

  @Test
  void hiddenDirectoriesAboveThePrefixDoNotHideTheChannel() {
    Path root = dir.resolve(".cache/_jobs/input");
    write(root.resolve("train/part-0"), "1,2\n");
    write(root.resolve("train.csv"), "1,2\n");

    assertThat(relative(list("train", uri(root) + "/train/", ContentType.CSV).objects()))
        .containsExactly(".cache/_jobs/input/train/part-0");
    assertThat(relative(list("train", uri(root) + "/train", ContentType.CSV).objects()))
        .containsExactly(".cache/_jobs/input/train.csv", ".cache/_jobs/input/train/part-0");
  }

  @Test
  void emptyObjectsAreListedWhenOthersHoldData() {
    write(dir.resolve("mixed/a"), "");
    write(dir.resolve("mixed/b"), "1,2\n");

    assertThat(list("train", uri(dir) + "/mixed/", ContentType.CSV).objects())
        .extracting(DataObject::size).containsExactly(0L, 4L);
  }

  @Test
  void prefixMatchingNothingIsAUserErrorNamingChannelAndUri() {
    String prefix = uri(dir) + "/nothing";

    assertThat(userError(() -> list("train", prefix, ContentType.CSV)))
        .hasMessage("Channel 'train' has no data: nothing matches the prefix " + prefix
            + ". Check the URI (S3Prefix matches keys that start with it)");
  }

  @Test
  void missingDirectoryIsAUserErrorNamingChannelAndUri() {
    String prefix = uri(dir) + "/missing/";

    assertThat(userError(() -> list("validation", prefix, ContentType.CSV)))
        .hasMessageStartingWith("Channel 'validation' has no data: nothing matches the prefix " + prefix + ".");
  }

  @Test
  void prefixUnderAMissingParentIsAUserError() {
    String prefix = uri(dir) + "/no/such/dir/train";

    assertThat(userError(() -> list("train", prefix, ContentType.CSV)))
        .hasMessageStartingWith("Channel 'train' has no data: nothing matches the prefix " + prefix + ".");
  }

  @Test
  void directoryHoldingOnlyHiddenFilesHasNoData() {
    write(dir.resolve("done/_SUCCESS"), "x");
    write(dir.resolve("done/.hidden"), "x");
    String prefix = uri(dir) + "/done/";

    assertThat(userError(() -> list("train", prefix, ContentType.CSV)))
        .hasMessageContaining("Channel 'train' has no data").hasMessageContaining(prefix);
  }

  @Test
  void hiddenObjectsThatAreNotSparksMarkersAreLeftOutWithANoticeNamingThem() {
    write(dir.resolve("train/_part-2.csv"), "2,2\n");
    write(dir.resolve("train/.DS_Store"), "junk");
    write(dir.resolve("train/_metadata"), "parquet summary");
    write(dir.resolve("train/_committed_123"), "{}");
    List<String> notices = new java.util.ArrayList<>();
    ChannelSpec spec = new ChannelSpec("train", uri(dir) + "/train/", null, DataDistribution.FullyReplicated,
        ChannelSpec.Compression.None);
    ChannelData data = new ChannelLister(new org.apache.hadoop.conf.Configuration()).list(spec, ContentType.CSV,
        java.util.Map.of(), notices::add);
    assertThat(relative(data.objects())).containsExactly("train/part-0", "train/sub/part-1");
    // Spark's and Hadoop's markers (_SUCCESS, .crc, _temporary/, _metadata, _committed_*) are not named
    assertThat(notices).singleElement().asString()
        .startsWith("Channel 'train': left out 3 object(s) whose names start with '_' or '.' (12 bytes): ")
        .contains("train/.DS_Store (4 bytes)", "train/.staging/part-8 (4 bytes)", "train/_part-2.csv (4 bytes)")
        .endsWith("Rename them to read them (Spark's markers such as _SUCCESS are left out silently)");
    assertThat(notices.get(0).substring(0, notices.get(0).indexOf(". Rename")))
        .doesNotContain("_SUCCESS", ".crc", "_temporary", "_metadata", "_committed");
  }

  @Test
  void onlyMarkersMeanNoNotice() {
    List<String> notices = new java.util.ArrayList<>();
    ChannelSpec spec = new ChannelSpec("validation", uri(dir) + "/validation/", null,
        DataDistribution.FullyReplicated, ChannelSpec.Compression.None);
    write(dir.resolve("validation/_SUCCESS"), "");
    new ChannelLister(new org.apache.hadoop.conf.Configuration()).list(spec, ContentType.CSV, java.util.Map.of(),
        notices::add);
    assertThat(notices).isEmpty();
  }

  @Test
  void objectsThatAreAllEmptyAreAUserErrorNamingChannelAndUri() {
    write(dir.resolve("empty/a.csv"), "");
    write(dir.resolve("empty/b.csv"), "");
    String prefix = uri(dir) + "/empty/";

    assertThat(userError(() -> list("train", prefix, ContentType.CSV)))
        .hasMessage("Channel 'train' is empty: the 2 object(s) under " + prefix + " hold 0 bytes");
  }

  private List<String> relative(List<DataObject> objects) {
    return objects.stream()
        .map(o -> dir.relativize(Paths.get(URI.create(o.uri()))).toString().replace('\\', '/'))
        .toList();
  }
}
