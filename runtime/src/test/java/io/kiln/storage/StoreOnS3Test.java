package io.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.testing.S3Server;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link Store} on the real S3 server: {@link Store#createIfAbsent}, which has no exclusive create
 * there, and a recursive delete of a tree with s3a's directory markers in it.
 */
@Tag("s3")
class StoreOnS3Test {
  static Configuration conf() {
    S3Server s3 = S3Server.get();
    s3.bucket("kiln-store");
    Configuration conf = new Configuration();
    Map<String, String> s3a = new LinkedHashMap<>(S3Settings.defaults());
    s3a.putAll(S3Settings.fromEnvironment(s3.environment()));
    s3a.forEach((k, v) -> conf.set(k.substring("spark.hadoop.".length()), v));
    return conf;
  }

  @Test
  void ofCreatorsRacingForTheSameObjectExactlyOneWins() throws Exception {
    Store store = new Store(conf());
    int creators = 4;
    ExecutorService pool = Executors.newFixedThreadPool(creators);
    try {
      for (int race = 0; race < 3; race++) {
        String uri = "s3a://kiln-store/races/" + race + "/record.json";
        CyclicBarrier start = new CyclicBarrier(creators);
        List<Future<Boolean>> won = new ArrayList<>();
        for (int c = 0; c < creators; c++) {
          byte[] mine = ("creator " + c).getBytes(StandardCharsets.UTF_8);
          won.add(pool.submit(() -> {
            start.await();
            return store.createIfAbsent(uri, mine);
          }));
        }
        int winners = 0;
        String winner = null;
        for (int c = 0; c < creators; c++) {
          if (won.get(c).get()) {
            winners++;
            winner = "creator " + c;
          }
        }
        assertThat(winners).as("race %d", race).isEqualTo(1);
        assertThat(store.readText(uri)).contains(winner);
        // once created, a later creator always loses
        assertThat(store.createIfAbsent(uri, "late".getBytes(StandardCharsets.UTF_8))).isFalse();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aRecursiveDeleteRemovesATreeWithDirectoryMarkersAndNothingBeside() throws Exception {
    Store store = new Store(conf());
    String root = "s3a://kiln-store/staging-" + System.nanoTime();
    org.apache.hadoop.fs.FileSystem fs = store.fileSystem(new org.apache.hadoop.fs.Path(root));
    // s3a's directory markers ("dir/" objects) above objects, as renames, deletes and mkdirs leave them
    fs.mkdirs(new org.apache.hadoop.fs.Path(root + "/attempt-0/worker"));
    fs.mkdirs(new org.apache.hadoop.fs.Path(root + "/attempt-1/deep"));
    store.writeText(root + "/attempt-0/worker/model.tar.gz", "m");
    store.writeText(root + "/attempt-1/deep/er/file", "f");
    store.writeText(root + "-sibling/keep", "k");
    fs.rename(new org.apache.hadoop.fs.Path(root + "/attempt-0/worker/model.tar.gz"),
        new org.apache.hadoop.fs.Path(root + "-sibling/model.tar.gz"));

    store.delete(root, true);

    assertThat(store.exists(root)).isFalse();
    assertThat(store.exists(root + "/attempt-0/worker")).isFalse();
    assertThat(store.readText(root + "-sibling/keep")).contains("k");
    assertThat(store.readText(root + "-sibling/model.tar.gz")).contains("m");
    store.delete(root, true); // nothing there: not an error
  }
}
