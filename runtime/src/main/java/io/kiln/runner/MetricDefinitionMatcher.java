package io.kiln.runner;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import io.kiln.spec.MetricDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Applies a job's MetricDefinitions to its log lines, as SageMaker applies them to a training
 * container's output, on a thread of its own: the user's regexes never run on the thread that
 * logged the line (a worker's report, the watchdog's heartbeat), so however slow they were, limits
 * are still enforced and heartbeats still sent. The regexes are RE2 (see {@link MetricDefinition})
 * and a line is matched on at most its first {@value #MAX_LINE_CHARS} characters, so each match
 * is bounded as well.
 *
 * <p>A line is tried as written and as CloudWatch shows it (tabs as {@code #011}, which SageMaker's
 * own regexes often expect); the first group of the first of the two that matches is the value. A
 * match that is not a number is skipped, as SageMaker skips it.
 */
final class MetricDefinitionMatcher implements AutoCloseable {
  /** Characters of a line the regexes see: longer lines are cut here before matching. */
  static final int MAX_LINE_CHARS = 65_536;

  /** Where a matched value goes: the metric's name, its value and whether the line streams. */
  @FunctionalInterface
  interface Sink {
    void accept(String name, double value, boolean stream);
  }

  private record Compiled(String name, Pattern pattern) {}

  private final List<Compiled> definitions = new ArrayList<>();
  private final Sink sink;
  private final ExecutorService thread; // null without definitions
  private volatile Future<?> last;

  /**
   * @param jobName names the thread
   * @param definitions the spec's MetricDefinitions (already validated)
   * @param sink receives each matched value, in log order, on the matcher's thread
   */
  MetricDefinitionMatcher(String jobName, List<MetricDefinition> definitions, Sink sink) {
    for (MetricDefinition d : definitions) {
      this.definitions.add(new Compiled(d.name(), d.pattern()));
    }
    this.sink = sink;
    this.thread = definitions.isEmpty() ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "kiln-metric-definitions-" + jobName);
      t.setDaemon(true);
      return t;
    });
  }

  /** Queues {@code line}; returns at once. {@code stream}: a value is also a live metric step. */
  void offer(String line, boolean stream) {
    if (thread == null) {
      return;
    }
    try {
      last = thread.submit(() -> match(line, stream));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the job has finished: its metrics are final
    }
  }

  /**
   * Queues lines that arrived together (a worker's batch) as one task, in order; returns at once.
   * Every value found is a live metric step.
   */
  void offerAll(List<String> lines) {
    if (thread == null || lines.isEmpty()) {
      return;
    }
    List<String> copy = List.copyOf(lines);
    try {
      last = thread.submit(() -> copy.forEach(l -> match(l, true)));
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the job has finished: its metrics are final
    }
  }

  /** Waits up to {@code timeoutMillis} for every line queued so far to be matched. */
  void drain(long timeoutMillis) {
    Future<?> f = last;
    if (f == null) {
      return;
    }
    try {
      f.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // a sink failure or a slow queue: the values matched so far stand
    }
  }

  private void match(String line, boolean stream) {
    String cut = line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) : line;
    String cloudWatch = cut.replace("\t", "#011");
    for (Compiled d : definitions) {
      for (String candidate : cloudWatch.equals(cut) ? List.of(cut) : List.of(cut, cloudWatch)) {
        Matcher m = d.pattern().matcher(candidate);
        if (m.find() && m.groupCount() >= 1 && m.group(1) != null) {
          try {
            sink.accept(d.name(), Double.parseDouble(m.group(1).trim()), stream);
          } catch (NumberFormatException ignored) {
            // not a number: SageMaker skips such matches too
          }
          break;
        }
      }
    }
  }

  /** Matches what is queued (up to 10 s), then stops the thread. */
  @Override
  public void close() {
    if (thread != null) {
      drain(10_000);
      thread.shutdownNow();
    }
  }
}
