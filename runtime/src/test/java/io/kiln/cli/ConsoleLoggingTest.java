package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.Test;

/**
 * The console logging the CLI runs with ({@code conf/log4j2.properties}): a worker's failure is
 * Kiln's one-line reason, not preceded by the ~25-line stack trace Spark's executor and scheduler
 * log for a failed task.
 */
class ConsoleLoggingTest {
  @Test
  void sparksTaskFailuresAreOneLineEachOnTheConsole() throws Exception {
    Path conf = Path.of("..", "conf", "log4j2.properties");
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    LoggerContext context = new LoggerContext("kiln-console-test");
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (InputStream in = Files.newInputStream(conf)) {
      context.start(new PropertiesConfigurationFactory().getConfiguration(context,
          new ConfigurationSource(in, conf.toFile())));
      Exception failure = new IllegalStateException("column 3 of row 7 is 'abc', not a number",
          new java.io.IOException("inner"));
      context.getLogger("org.apache.spark.executor.Executor").error("Exception in task 0.0 in stage 3.0 (TID 5)",
          failure);
      context.getLogger("org.apache.spark.scheduler.TaskSetManager").warn("Lost task 1.0 in stage 3.0", failure);
      context.getLogger("org.apache.spark.scheduler.TaskSetManager").error("Task 0 in stage 3.0 failed 1 times",
          failure);
      context.getLogger("org.apache.spark.SparkContext").error("something else", failure);
    } finally {
      context.stop();
      System.setErr(stderr);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    String executor = out.lines().filter(l -> l.contains("Exception in task")).findFirst().orElseThrow();
    assertThat(executor).endsWith("Exception in task 0.0 in stage 3.0 (TID 5) (column 3 of row 7 is 'abc', not a number)");
    assertThat(out).doesNotContain("Lost task");
    assertThat(out).contains("Task 0 in stage 3.0 failed 1 times");
    // other errors keep their stack traces: only the task failures the job's reason already says are brief
    String beforeOther = out.substring(0, out.indexOf("something else"));
    assertThat(beforeOther).doesNotContain("\tat ");
    assertThat(out.substring(out.indexOf("something else"))).contains("\tat ");
  }
}
