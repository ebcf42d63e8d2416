package io.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The backoff over a bounded window that a job's final writes go through. */
class StorageRetryTest {

  @Test
  void aStorageFailureIsRetriedUntilTheWriteSucceeds() {
    AtomicInteger calls = new AtomicInteger();
    List<String> log = new ArrayList<>();
    String v = StorageRetry.call(Duration.ofSeconds(30), "the model s3://b/m", log::add, () -> {
      if (calls.incrementAndGet() < 3) {
        throw KilnException.internal("Cannot write s3://b/m: Connection refused", new IOException("refused"));
      }
      return "written";
    });
    assertThat(v).isEqualTo("written");
    assertThat(calls).hasValue(3);
    assertThat(log).hasSize(2).allSatisfy(l -> assertThat(l).startsWith("WARN writing the model s3://b/m failed ("
        + "Cannot write s3://b/m: Connection refused); retrying in "));
  }

  @Test
  void aFailureThatOutlastsTheWindowIsAnOutageSayingWhatFailed() {
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    assertThatThrownBy(() -> StorageRetry.run(Duration.ofSeconds(1), "the record of training job j", l -> { },
        () -> {
          calls.incrementAndGet();
          throw new java.io.UncheckedIOException(new IOException("Connection refused"));
        }))
        .isInstanceOf(StorageRetry.Outage.class)
        .hasMessageStartingWith("StorageOutage: writing the record of training job j failed ")
        .hasMessageContaining("retry window, spark.kiln.storage.retry-window-seconds, is 1 s")
        .hasMessageEndingWith("Connection refused")
        .satisfies(e -> assertThat(((KilnException) e).type()).isEqualTo(ErrorType.INTERNAL));
    assertThat(calls.get()).isBetween(2, 4); // 0.5 s, then the rest of the window
    assertThat((System.nanoTime() - start) / 1e9).isBetween(0.9, 5.0);
  }

  @Test
  void aUsersOrAnAlgorithmsErrorIsNeverRetried() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> StorageRetry.run(Duration.ofSeconds(30), "x", l -> { }, () -> {
      calls.incrementAndGet();
      throw KilnException.user("bad", new IOException("even with an I/O cause"));
    })).isNotInstanceOf(StorageRetry.Outage.class).hasMessage("bad");
    assertThatThrownBy(() -> StorageRetry.run(Duration.ofSeconds(30), "x", l -> { }, () -> {
      calls.incrementAndGet();
      throw new IllegalStateException("a bug");
    })).isInstanceOf(IllegalStateException.class);
    assertThat(calls).hasValue(2);
  }

  @Test
  void aZeroWindowTriesOnce() {
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> StorageRetry.run(Duration.ZERO, "x", l -> { }, () -> {
      calls.incrementAndGet();
      throw KilnException.internal("Cannot write x", new IOException("down"));
    })).isInstanceOf(StorageRetry.Outage.class);
    assertThat(calls).hasValue(1);
  }
}
