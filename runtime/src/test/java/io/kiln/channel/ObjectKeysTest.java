package io.kiln.channel;

import static io.kiln.channel.LocalChannel.userError;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.DataObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ObjectKeysTest {
  @TempDir Path dir;

  @Test
  void belowAFolderPrefixAKeyIsThePathUnderIt() {
    assertThat(keys("s3a://b/images/", "s3a://b/images/cats/001.jpg", "s3a://b/images/dogs/a/b/002.jpg",
        "s3a://b/images/top.lst"))
        .containsExactly("cats/001.jpg", "dogs/a/b/002.jpg", "top.lst");
  }

  @Test
  void belowAKeyPrefixAKeyIsThePathUnderThePrefixsFolder() {
    assertThat(keys("s3a://b/data/train", "s3a://b/data/train-2.csv", "s3a://b/data/train/part-0",
        "s3a://b/data/train/x/part-1"))
        .containsExactly("train-2.csv", "train/part-0", "train/x/part-1");
  }

  @Test
  void atTheBucketRootKeysAreWholeObjectKeys() {
    assertThat(keys("s3a://b", "s3a://b/a.csv", "s3a://b/x/y.csv")).containsExactly("a.csv", "x/y.csv");
    assertThat(keys("s3a://b/", "s3a://b/a.csv", "s3a://b/x/y.csv")).containsExactly("a.csv", "x/y.csv");
  }

  @Test
  void localChannelsAreNamedTheSameWay() {
    LocalChannel.write(dir.resolve("imgs/cats/1.jpg"), "c");
    LocalChannel.write(dir.resolve("imgs/2.jpg"), "d");
    ChannelData channel = LocalChannel.list("images", LocalChannel.uri(dir) + "/imgs/", ContentType.CSV);

    List<ObjectRef> refs = ObjectKeys.of(channel, LocalChannel.uri(dir) + "/imgs/");
    assertThat(refs).extracting(ObjectRef::key).containsExactly("2.jpg", "cats/1.jpg");
    assertThat(refs).extracting(ObjectRef::uri).containsExactlyElementsOf(
        channel.objects().stream().map(DataObject::uri).toList());
    assertThat(refs).extracting(ObjectRef::size).containsExactly(1L, 1L);
  }

  @Test
  void keysThatCannotBeLocalFilesAreRefused() {
    // a listing normalises "a/../../secret" to "/../secret", which would climb out of the directory
    assertThat(userError(() -> keys("s3a://b/train", "s3a://b/train/../../secret")))
        .hasMessage("Channel 'c': object key '../secret' has an empty, '.' or '..' path segment, which cannot be laid "
            + "out as a local file; rename the object");
    // an object named like a folder (a marker with content)
    assertThat(userError(() -> keys("s3a://b/images/", "s3a://b/images/cats/")))
        .hasMessage("Channel 'c': object key 'cats/' has an empty, '.' or '..' path segment, which cannot be laid "
            + "out as a local file; rename the object");
  }

  @Test
  void dealGivesObjectIToWorkerIModWorkersSkippingEmptyObjects() {
    List<ObjectRef> refs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      refs.add(new ObjectRef("s3a://b/p/" + i, Integer.toString(i), i == 2 || i == 5 ? 0 : 10 + i));
    }

    assertThat(keysOf(ObjectKeys.deal(refs, 1))).containsExactly(List.of("0", "1", "3", "4", "6", "7"));
    assertThat(keysOf(ObjectKeys.deal(refs, 3))).containsExactly(List.of("0", "4"), List.of("1", "6"),
        List.of("3", "7"));
    assertThat(keysOf(ObjectKeys.deal(refs, 8))).containsExactly(List.of("0"), List.of("1"), List.of("3"),
        List.of("4"), List.of("6"), List.of("7"), List.of(), List.of());
    for (int workers = 1; workers <= 9; workers++) {
      List<String> all = new ArrayList<>();
      keysOf(ObjectKeys.deal(refs, workers)).forEach(all::addAll);
      assertThat(all).as("%d workers", workers).containsExactlyInAnyOrder("0", "1", "3", "4", "6", "7");
    }
  }

  private static List<List<String>> keysOf(List<List<ObjectRef>> dealt) {
    return dealt.stream().map(l -> l.stream().map(ObjectRef::key).toList()).toList();
  }

  private static List<String> keys(String prefix, String... objects) {
    List<DataObject> listed = new ArrayList<>();
    for (String o : objects) {
      listed.add(new DataObject(o, 1));
    }
    ChannelData channel = new ChannelData("c", prefix, ContentType.CSV, DataDistribution.FullyReplicated, false,
        listed);
    return ObjectKeys.of(channel, prefix).stream().map(ObjectRef::key).toList();
  }
}
