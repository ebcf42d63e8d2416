package io.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Store} on local files, read with java.nio: the same answers Hadoop's local filesystem gives,
 * without ever making the Hadoop configuration (what keeps {@code kiln describe} and {@code kiln list}
 * on a local job root fast).
 */
class LocalStoreTest {
  @TempDir
  Path dir;

  /** A store whose configuration counts how often it is made. */
  private static Store counting(AtomicInteger made) {
    return new Store(() -> {
      made.incrementAndGet();
      return new Configuration(false);
    });
  }

  @Test
  void localFilesAreWrittenReadListedAndDeletedWithoutTheHadoopConfiguration() throws Exception {
    AtomicInteger made = new AtomicInteger();
    Store store = counting(made);
    String root = dir.toUri().toString(); // file:///.../
    String bare = dir.toString(); // no scheme: a local path too

    store.writeText(root + "jobs/a/record.json", "{\"a\":1}");
    assertThat(store.createIfAbsent(bare + "/jobs/b/record.json", "b".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(store.createIfAbsent(root + "jobs/b/record.json", "c".getBytes(StandardCharsets.UTF_8))).isFalse();
    Files.writeString(dir.resolve("jobs/loose.txt"), "x");

    assertThat(store.readText(root + "jobs/a/record.json")).contains("{\"a\":1}");
    assertThat(store.readText(bare + "/jobs/b/record.json")).contains("b");
    assertThat(store.readText(root + "jobs/missing/record.json")).isEmpty();
    assertThat(store.exists(root + "jobs/a/record.json")).isTrue();
    assertThat(store.exists(root + "jobs/missing")).isFalse();
    assertThat(store.list(root + "jobs/")).containsExactlyInAnyOrder(new Store.Entry("a", true),
        new Store.Entry("b", true), new Store.Entry("loose.txt", false));
    assertThat(store.list(root + "nothing-here/")).isEmpty();

    store.delete(root + "jobs/a/record.json", false);
    assertThat(store.exists(root + "jobs/a/record.json")).isFalse();
    store.delete(root + "jobs/a/record.json", false); // already gone: not an error
    store.delete(root + "jobs/b", true);
    assertThat(store.list(root + "jobs/")).containsExactlyInAnyOrder(new Store.Entry("a", true), // now empty
        new Store.Entry("loose.txt", false));

    assertThat(made).as("times the Hadoop configuration was made").hasValue(0);
  }

  @Test
  void aRecursiveDeleteRemovesSymbolicLinksWithoutFollowingThem() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "not the job's");
    Path job = Files.createDirectories(dir.resolve("job/sub"));
    Files.writeString(job.resolve("f"), "x");
    Files.createSymbolicLink(job.resolve("link"), outside);

    new Store(new Configuration(false)).delete(dir.resolve("job").toUri().toString(), true);

    assertThat(dir.resolve("job")).doesNotExist();
    assertThat(outside.resolve("keep.txt")).hasContent("not the job's");
  }

  @Test
  void aNonEmptyDirectoryIsNotDeletedWithoutRecursive() throws Exception {
    Files.createDirectories(dir.resolve("d"));
    Files.writeString(dir.resolve("d/f"), "x");
    Store store = new Store(new Configuration(false));
    assertThatThrownBy(() -> store.delete(dir.resolve("d").toUri().toString(), false))
        .hasMessageContaining("Cannot delete");
    assertThat(dir.resolve("d/f")).exists();
  }

  @Test
  void anObjectStoreUriMakesTheConfigurationOnceWhenItIsFirstNeeded() {
    AtomicInteger made = new AtomicInteger();
    Store store = counting(made);
    assertThat(store.path("s3://bucket/key").toString()).isEqualTo("s3a://bucket/key");
    assertThat(store.path("s3://bucket/other").toString()).isEqualTo("s3a://bucket/other");
    assertThat(made).hasValue(1);
  }

  @Test
  void anObjectStoreTreeIsDeletedLeavesFirstEachDirectoryWhenNothingIsLeftUnderIt() throws Exception {
    Files.createDirectories(dir.resolve("t/a/b"));
    Files.writeString(dir.resolve("t/a/b/f1"), "1");
    Files.writeString(dir.resolve("t/a/f2"), "2");
    Files.createDirectories(dir.resolve("t/c"));
    java.util.List<String> deleted = new java.util.ArrayList<>();
    org.apache.hadoop.fs.FileSystem recording = new org.apache.hadoop.fs.FilterFileSystem(
        org.apache.hadoop.fs.FileSystem.getLocal(new Configuration(false)).getRaw()) {
      @Override
      public boolean delete(org.apache.hadoop.fs.Path f, boolean recursive) throws java.io.IOException {
        String name = dir.toUri().relativize(f.toUri()).getPath().replaceAll("/$", "");
        assertThat(recursive).as("recursive delete of %s", name).isEqualTo(!name.contains("f"));
        if (recursive) {
          assertThat(super.listStatus(f)).as("left under %s", name).isEmpty();
        }
        deleted.add(name);
        return super.delete(f, recursive);
      }
    };

    Store.deleteDeepestFirst(recording, new org.apache.hadoop.fs.Path(dir.resolve("t").toUri()));

    assertThat(deleted).containsExactlyInAnyOrder("t/a/b/f1", "t/a/b", "t/a/f2", "t/a", "t/c", "t");
    for (String d : deleted) { // every entry goes after everything under it
      deleted.stream().filter(e -> e.startsWith(d + "/"))
          .forEach(e -> assertThat(deleted.indexOf(e)).as("%s before %s", e, d).isLessThan(deleted.indexOf(d)));
    }
    assertThat(dir.resolve("t")).doesNotExist();
  }
}
