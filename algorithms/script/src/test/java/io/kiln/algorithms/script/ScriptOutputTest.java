package io.kiln.algorithms.script;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spi.WorkerContext;
import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * {@link ScriptOutput} without Spark: a worker context that records each {@code logLines} message
 * (every other method of the SPI fails the test if called).
 */
class ScriptOutputTest {
  /** Each message the driver would have received: its source and lines. */
  record Message(String source, List<String> lines) {}

  private static WorkerContext recording(List<Message> messages, AtomicBoolean driverGone) {
    return (WorkerContext) Proxy.newProxyInstance(WorkerContext.class.getClassLoader(),
        new Class<?>[] {WorkerContext.class}, (proxy, method, args) -> {
          if (method.getName().equals("logLines")) {
            if (driverGone.get()) {
              throw new io.kiln.spi.KilnException(io.kiln.spi.ErrorType.INTERNAL, "the driver is gone");
            }
            @SuppressWarnings("unchecked")
            List<String> lines = new ArrayList<>((List<String>) args[1]);
            messages.add(new Message((String) args[0], lines));
            return null;
          }
          throw new AssertionError("unexpected call " + method.getName());
        });
  }

  @Test
  void everyLineGoesInOrderInMessagesOfAtMostABatch() throws Exception {
    List<Message> messages = new CopyOnWriteArrayList<>();
    List<String> expected = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 9_000; i++) {
      String line = i == 4_000 ? "y".repeat(ScriptOutput.MAX_LINE) : "line " + i;
      expected.add(line);
      text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    Deque<String> tail = new ArrayDeque<>();
    try (ScriptOutput out = new ScriptOutput(recording(messages, new AtomicBoolean()), "10.0.0.7")) {
      Thread pump = out.pump(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)), tail, "test");
      pump.join(10_000);
    }
    List<String> received = new ArrayList<>();
    for (Message m : messages) {
      assertThat(m.source()).isEqualTo("10.0.0.7");
      assertThat(m.lines()).isNotEmpty().hasSizeLessThanOrEqualTo(ScriptOutput.BATCH_LINES);
      assertThat(m.lines().stream().mapToLong(String::length).sum()).isLessThanOrEqualTo(ScriptOutput.BATCH_CHARS);
      received.addAll(m.lines());
    }
    assertThat(received).isEqualTo(expected);
    assertThat(messages.size()).isBetween(5, 100); // 9,000 lines: at least 5 messages of 2,000
    assertThat(tail).hasSize(20).endsWith("line 8999");
  }

  @Test
  void aLineLeavesWithinTheFlushIntervalWithoutWaitingForMore() throws Exception {
    List<Message> messages = new CopyOnWriteArrayList<>();
    try (ScriptOutput out = new ScriptOutput(recording(messages, new AtomicBoolean()), "h")) {
      long start = System.nanoTime();
      out.add("epoch 1: validation:loss=0.5");
      while (messages.isEmpty() && System.nanoTime() - start < 5_000_000_000L) {
        Thread.sleep(10);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(messages).containsExactly(new Message("h", List.of("epoch 1: validation:loss=0.5")));
      assertThat(millis).as("ms until the line left").isLessThan(2_000); // 200 ms, with room for a loaded machine
    }
  }

  @Test
  void whenTheDriverIsGoneTheLinesAreReadAndDropped() throws Exception {
    List<Message> messages = new CopyOnWriteArrayList<>();
    AtomicBoolean gone = new AtomicBoolean(true);
    try (ScriptOutput out = new ScriptOutput(recording(messages, gone), "h")) {
      // far more than the worker holds for a slow driver: were the lines kept, the reader would wait
      String line = "x".repeat(1000);
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 2 * ScriptOutput.MAX_PENDING_CHARS / 1000; i++) {
        text.append(line).append('\n');
      }
      out.flush(); // nothing yet
      out.add("first");
      out.flush(); // fails: the driver is gone
      Thread pump = out.pump(new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.UTF_8)), null, "t");
      pump.join(10_000);
      assertThat(pump.isAlive()).isFalse();
    }
    assertThat(messages).isEmpty();
  }
}
