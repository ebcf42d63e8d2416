package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.testing.S3Files;
import io.kiln.testing.S3Server;
import io.kiln.testing.TestSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln cp} against the real S3 server, each way (local to S3, S3 to local, S3 to S3): a copy
 * made twice leaves exactly the same objects or files, the second overwriting the first, whether or
 * not DST existed before, as {@code aws s3 cp --recursive} does.
 */
@Tag("s3")
class CopyCommandTest {
  static final String BUCKET = "kiln-cp";
  static S3Server s3;
  static Configuration hadoop;
  static Path dir;

  @BeforeAll
  static void start() {
    s3 = S3Server.get();
    s3.bucket(BUCKET);
    hadoop = KilnSettings.resolve(null, s3.environment(), List.of(), null, null).hadoopConf();
    dir = TestSpark.tempDir("kiln-cp-");
  }

  record Run(int exit, String out, String err) {}

  static Run kiln(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Kiln.execute(args, new PrintWriter(out, true), new PrintWriter(err, true), s3.environment());
    return new Run(exit, out.toString(), err.toString());
  }

  static void copy(String src, String dst) {
    Run r = kiln("cp", src, dst);
    assertThat(r.exit).as(r.err).isZero();
  }

  /** A local directory {@code name} holding a.txt (with {@code a}) and "sub/b c.txt". */
  static Path tree(String name, String a) throws IOException {
    Path root = dir.resolve(name);
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(root.resolve("a.txt"), a);
    Files.writeString(root.resolve("sub/b c.txt"), "b");
    return root;
  }

  /** Every file under a local directory, relative to it, sorted. */
  static List<String> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  /**
   * The objects under {@code prefix}, relative to it, sorted (directory markers left out: the test
   * server's filesystem backend lists each of its directories as one).
   */
  static List<String> objects(String prefix) {
    return S3Files.list(hadoop, "s3a://" + BUCKET + "/" + prefix);
  }

  static String object(String key) {
    return new String(S3Files.read(hadoop, "s3a://" + BUCKET + "/" + key), StandardCharsets.UTF_8);
  }

  @Test
  void aLocalDirectoryLandsUnderAPrefixTheSameWayWhetherOrNotItExists() throws IOException {
    Path v1 = tree("up-v1", "first");
    Path v2 = tree("up-v2", "corrected");
    // DST with and without its slash, already holding an object, or not there yet
    for (String prefix : List.of("up-slash/", "up-bare")) {
      S3Files.write(hadoop, "s3a://" + BUCKET + "/" + prefix.replace("/", "") + "/old.txt", List.of("old"));
      copy(v1.toString(), "s3://" + BUCKET + "/" + prefix);
      copy(v2 + "/", "s3://" + BUCKET + "/" + prefix);
      String p = prefix.replace("/", "") + "/";
      assertThat(objects(p)).containsExactly("a.txt", "old.txt", "sub/b c.txt");
      assertThat(object(p + "a.txt")).isEqualTo("corrected");
    }
    copy(v1.toString(), "s3://" + BUCKET + "/up-fresh/");
    Run again = kiln("cp", v2.toString(), "s3://" + BUCKET + "/up-fresh/");
    assertThat(again.out).isEqualTo("copied 2 file(s) from " + v2 + " to s3://" + BUCKET + "/up-fresh/\n");
    assertThat(objects("up-fresh/")).containsExactly("a.txt", "sub/b c.txt");
    assertThat(object("up-fresh/a.txt")).isEqualTo("corrected");
  }

  @Test
  void aPrefixDownloadsIntoALocalDirectoryTheSameWayWhetherOrNotItExists() throws IOException {
    S3Files.write(hadoop, "s3a://" + BUCKET + "/down/a.txt", "first".getBytes(StandardCharsets.UTF_8));
    S3Files.write(hadoop, "s3a://" + BUCKET + "/down/sub/b.txt", "b".getBytes(StandardCharsets.UTF_8));
    Path existing = Files.createDirectories(dir.resolve("down-existing"));
    Path fresh = dir.resolve("down-fresh");
    copy("s3://" + BUCKET + "/down/", existing.toString());
    copy("s3://" + BUCKET + "/down", fresh.toString());
    S3Files.write(hadoop, "s3a://" + BUCKET + "/down/a.txt", "corrected".getBytes(StandardCharsets.UTF_8));
    copy("s3://" + BUCKET + "/down/", existing.toString());
    copy("s3://" + BUCKET + "/down", fresh.toString());
    for (Path local : List.of(existing, fresh)) {
      // no down/ nested inside, and no Hadoop .crc side files
      assertThat(files(local)).as(local.toString()).containsExactly("a.txt", "sub/b.txt");
      assertThat(Files.readString(local.resolve("a.txt"))).isEqualTo("corrected");
    }
  }

  @Test
  void aPrefixCopiesToAnotherPrefixTheSameWayWhetherOrNotItExists() {
    S3Files.write(hadoop, "s3a://" + BUCKET + "/s2s/a.txt", "first".getBytes(StandardCharsets.UTF_8));
    S3Files.write(hadoop, "s3a://" + BUCKET + "/s2s/sub/b.txt", "b".getBytes(StandardCharsets.UTF_8));
    copy("s3://" + BUCKET + "/s2s/", "s3://" + BUCKET + "/s2s-copy");
    S3Files.write(hadoop, "s3a://" + BUCKET + "/s2s/a.txt", "corrected".getBytes(StandardCharsets.UTF_8));
    copy("s3://" + BUCKET + "/s2s", "s3://" + BUCKET + "/s2s-copy/");
    assertThat(objects("s2s-copy/")).containsExactly("a.txt", "sub/b.txt");
    assertThat(object("s2s-copy/a.txt")).isEqualTo("corrected");
  }

  @Test
  void aFileIsDstOrGoesIntoDstWhenDstEndsWithASlashOrIsADirectory() throws IOException {
    Path file = Files.writeString(dir.resolve("f.txt"), "f");
    for (int i = 0; i < 2; i++) {
      copy(file.toString(), "s3://" + BUCKET + "/one/named.txt");
      copy(file.toString(), "s3://" + BUCKET + "/into/");
      copy("s3://" + BUCKET + "/one/named.txt", dir.resolve("file-down").toString());
    }
    assertThat(objects("one/")).containsExactly("named.txt");
    assertThat(objects("into/")).containsExactly("f.txt");
    assertThat(Files.readString(dir.resolve("file-down"))).isEqualTo("f");
    Path into = Files.createDirectories(dir.resolve("file-into"));
    copy("s3://" + BUCKET + "/one/named.txt", into.toString());
    assertThat(files(into)).containsExactly("named.txt");
  }

  @Test
  void aMissingSourceADirectoryOntoAFileOrIntoItselfIsRefusedInOneLine() throws IOException {
    Run missing = kiln("cp", "s3://" + BUCKET + "/absent/", dir.resolve("x").toString());
    assertThat(missing.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(missing.err).isEqualTo("kiln cp: s3://" + BUCKET + "/absent/ does not exist\n");

    Path src = tree("refused", "a");
    S3Files.write(hadoop, "s3a://" + BUCKET + "/a-file", List.of("x"));
    Run ontoFile = kiln("cp", src.toString(), "s3://" + BUCKET + "/a-file");
    assertThat(ontoFile.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(ontoFile.err).isEqualTo("kiln cp: " + src + " is a directory but s3://" + BUCKET + "/a-file is a "
        + "file; give a directory or prefix as DST\n");
    assertThat(object("a-file")).isEqualTo("x\n");

    Run intoItself = kiln("cp", src.toString(), src.resolve("sub/copy").toString());
    assertThat(intoItself.exit).isEqualTo(Kiln.EXIT_USAGE);
    assertThat(intoItself.err).isEqualTo("kiln cp: " + src.resolve("sub/copy") + " is inside " + src
        + "; copy to a place outside it\n");
    assertThat(files(src)).containsExactly("a.txt", "sub/b c.txt");
  }
}
