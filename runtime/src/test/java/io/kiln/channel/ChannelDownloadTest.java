package io.kiln.channel;

import static io.kiln.channel.LocalChannel.uri;
import static io.kiln.channel.LocalChannel.userError;
import static io.kiln.channel.LocalChannel.write;
import static io.kiln.channel.LocalChannel.writeGzip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.ChannelSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker's objects copied into a local directory, as SageMaker's File mode lays them out. */
class ChannelDownloadTest {
  private static final ContentType FILES = ContentType.of("application/octet-stream", ContentType.Split.OBJECTS);

  @TempDir Path dir;

  @Test
  void nestedKeysAreLaidOutUnderTheDirectory() {
    write(dir.resolve("s3/images/cats/001.jpg"), "cat one");
    write(dir.resolve("s3/images/cats/deep/er/002.jpg"), "cat two");
    write(dir.resolve("s3/images/train.lst"), "0\t1\tcats/001.jpg\n");
    write(dir.resolve("s3/images/model.tar.gz"), "not decompressed: the channel is not Gzip");
    Path local = dir.resolve("local/input/data/images");

    Path returned = ChannelDownload.copy("images", objects("s3/images/", false), false, local);

    assertThat(returned).isEqualTo(local);
    assertThat(files(local)).containsExactly(
        Map.entry("cats/001.jpg", "cat one"),
        Map.entry("cats/deep/er/002.jpg", "cat two"),
        Map.entry("model.tar.gz", "not decompressed: the channel is not Gzip"),
        Map.entry("train.lst", "0\t1\tcats/001.jpg\n"));
  }

  @Test
  void aKeyPrefixKeepsTheNamesUnderItsFolder() {
    write(dir.resolve("s3/data/train-1.csv"), "1");
    write(dir.resolve("s3/data/train/part-0"), "2");
    write(dir.resolve("s3/data/validation.csv"), "3");

    ChannelDownload.copy("train", objects("s3/data/train", false), false, dir.resolve("local"));

    assertThat(files(dir.resolve("local"))).containsExactly(Map.entry("train-1.csv", "1"),
        Map.entry("train/part-0", "2"));
  }

  @Test
  void aGzipChannelIsDecompressedAndLosesTheGzEnding() {
    writeGzip(dir.resolve("s3/gz/a.csv.gz"), "1,2\n3,4\n");
    writeGzip(dir.resolve("s3/gz/nested/b"), "5,6\n");

    ChannelDownload.copy("train", objects("s3/gz/", true), true, dir.resolve("local"));

    assertThat(files(dir.resolve("local"))).containsExactly(Map.entry("a.csv", "1,2\n3,4\n"),
        Map.entry("nested/b", "5,6\n"));
  }

  @Test
  void invalidGzipLeavesNoPartialFileAndKeepsWhatWasComplete() {
    writeGzip(dir.resolve("s3/gz/a.gz"), "good");
    write(dir.resolve("s3/gz/b.gz"), "plain text in a Gzip channel");
    List<ChannelObject> objects = objects("s3/gz/", true);

    KilnException e = userError(() -> ChannelDownload.copy("train", objects, true, dir.resolve("local")));

    assertThat(e).hasMessageStartingWith("Channel 'train': " + objects.get(1).uri() + " is not valid gzip data (")
        .hasMessageEndingWith("); set the channel's compression to None if it is not compressed, or replace the "
            + "object");
    assertThat(allFiles(dir.resolve("local"))).containsExactly("a");
  }

  @Test
  void aTruncatedGzipObjectIsAUserErrorAndLeavesNothing() throws IOException {
    writeGzip(dir.resolve("full.gz"), "x".repeat(200_000) + "y".repeat(200_000));
    byte[] gz = Files.readAllBytes(dir.resolve("full.gz"));
    write(dir.resolve("s3/gz/cut.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));

    KilnException e = userError(() -> ChannelDownload.copy("train", objects("s3/gz/", true), true,
        dir.resolve("local")));

    assertThat(e.getMessage()).contains("cut.gz is not valid gzip data (Unexpected end of ZLIB input stream)");
    assertThat(allFiles(dir.resolve("local"))).isEmpty();
  }

  @Test
  void aStorageFailureMidwayLeavesNoPartialFileAndTheOldFileIntact() throws IOException {
    write(dir.resolve("local/model.bin"), "old model");
    ChannelObject failing = new TestObject("model.bin", () -> new InputStream() {
      private int sent;

      @Override
      public int read() throws IOException {
        if (sent++ < 100_000) {
          return 'm';
        }
        throw new IOException("Connection reset");
      }
    });

    KilnException e = catchThrowableOfType(() -> ChannelDownload.copy("model", List.of(failing), false,
        dir.resolve("local")), KilnException.class);

    assertThat(e.type()).isEqualTo(ErrorType.INTERNAL);
    assertThat(e).hasMessage("Channel 'model': cannot read s3a://b/model.bin: java.io.IOException: Connection reset");
    assertThat(files(dir.resolve("local"))).containsExactly(Map.entry("model.bin", "old model"));
    assertThat(allFiles(dir.resolve("local"))).containsExactly("model.bin");
  }

  @Test
  void anExistingFileIsReplacedWhole() {
    write(dir.resolve("local/a"), "a much longer old content");

    ChannelDownload.copy("c", List.of(new TestObject("a", "new")), false, dir.resolve("local"));

    assertThat(files(dir.resolve("local"))).containsExactly(Map.entry("a", "new"));
  }

  @Test
  void keysThatCannotAllBeFilesAreRefusedBeforeAnythingIsWritten() {
    assertThat(userError(() -> ChannelDownload.copy("c", List.of(new TestObject("a", "1"), new TestObject("a/b", "2")),
        false, dir.resolve("l1"))))
        .hasMessage("Channel 'c': object 'a' is also the folder of 'a/b', and a local path cannot be both a file and a "
            + "folder; rename one of them");
    assertThat(userError(() -> ChannelDownload.copy("c", List.of(new TestObject("x/y.gz", "1"),
        new TestObject("x/y", "2")), true, dir.resolve("l2"))))
        .hasMessage("Channel 'c': objects 'x/y.gz' and 'x/y' would both be written to x/y (a Gzip channel's files "
            + "lose their .gz); rename one of them");
    assertThat(userError(() -> ChannelDownload.copy("c", List.of(new TestObject("../escape", "1")), false,
        dir.resolve("l3"))))
        .hasMessage("Channel 'c': object key '../escape' would be written outside " + dir.resolve("l3")
            + "; rename the object");
    assertThat(dir.resolve("l1")).doesNotExist();
    assertThat(dir.resolve("l2")).doesNotExist();
    assertThat(dir.resolve("escape")).doesNotExist();
  }

  /** The channel's objects as a worker sees them. */
  private List<ChannelObject> objects(String prefix, boolean gzip) {
    String hadoopPrefix = uri(dir) + "/" + prefix;
    ChannelData channel = LocalChannel.list("c", hadoopPrefix, FILES, DataDistribution.FullyReplicated,
        gzip ? ChannelSpec.Compression.Gzip : ChannelSpec.Compression.None);
    List<ChannelObject> out = new ArrayList<>();
    for (ObjectRef r : ObjectKeys.of(channel, hadoopPrefix)) {
      out.add(new HadoopChannelObject(r, gzip, LocalChannel.CONF));
    }
    return out;
  }

  /** Every regular file under {@code root} (temporary ones included) with its text, by relative path. */
  private static Map<String, String> files(Path root) {
    Map<String, String> out = new TreeMap<>();
    for (String f : allFiles(root)) {
      try {
        out.put(f, Files.readString(root.resolve(f)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return out;
  }

  private static List<String> allFiles(Path root) {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An object whose bytes come from a test. */
  private record TestObject(String key, Opener opener) implements ChannelObject {
    interface Opener {
      InputStream open() throws IOException;
    }

    TestObject(String key, String text) {
      this(key, () -> new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public String uri() {
      return "s3a://b/" + key;
    }

    @Override
    public long size() {
      return -1;
    }

    @Override
    public InputStream open() throws IOException {
      return opener.open();
    }
  }
}
