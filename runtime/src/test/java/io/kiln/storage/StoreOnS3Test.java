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

/** {@link Store#createIfAbsent} on the real S3 server, which has no exclusive create. */
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
}
