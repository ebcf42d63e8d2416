package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.message.SimpleMessage;
import org.junit.jupiter.api.Test;

/**
 * The console logging the CLI runs with ({@code conf/log4j2.properties}): a worker's failure is
 * Kiln's one-line reason, not preceded by the ~25-line stack trace Spark's executor and scheduler
 * log for a failed task. Checked on the configuration itself (which logger goes to which appender,
 * and what each appender's layout prints), not on the process's stderr, which log4j's console
 * streams are shared for.
 */
class ConsoleLoggingTest {
  static Configuration conf(LoggerContext context) throws Exception {
    Path file = Path.of("..", "conf", "log4j2.properties");
    try (InputStream in = Files.newInputStream(file)) {
      Configuration c = new PropertiesConfigurationFactory().getConfiguration(context,
          new ConfigurationSource(in, file.toFile()));
      c.initialize();
      return c;
    }
  }

  static String format(Layout<?> layout, String logger, Level level, String message, Throwable t) {
    LogEvent event = Log4jLogEvent.newBuilder().setLoggerName(logger).setLevel(level)
        .setMessage(new SimpleMessage(message)).setThrown(t).build();
    return new String(layout.toByteArray(event), java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * Issue 9 (newcomer, item 7): a failed task is Kiln's one line on the console ("NAME Failed:
   * ClientError: ..."), which the CLI prints; Spark's executor and scheduler, which would print it
   * again with s3a:// URIs, and XGBoost's tracker, which logs a native backtrace when a job ends
   * before every worker joined it, print nothing there.
   */
  @Test
  void taskFailuresAndTheTrackersBacktraceAreNotPrintedBesideKilnsReason() throws Exception {
    LoggerContext context = new LoggerContext("kiln-console-test");
    Configuration c = conf(context);
    for (String logger : new String[] {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
        "ml.dmlc.xgboost4j.java.RabitTracker"}) {
      LoggerConfig lc = c.getLoggerConfig(logger);
      assertThat(lc.getName()).isEqualTo(logger);
      assertThat(lc.getLevel()).as("%s prints nothing on the console", logger).isEqualTo(Level.OFF);
      assertThat(Level.FATAL.isMoreSpecificThan(lc.getLevel())).as("not even FATAL passes").isFalse();
    }
    // other errors keep their stack traces: only what the job's reason already says is left out
    Exception failure = new IllegalStateException("column 3 of row 7 is 'abc', not a number",
        new java.io.IOException("inner"));
    assertThat(c.getLoggerConfig("org.apache.spark.SparkContext").getLevel()).isEqualTo(Level.ERROR);
    String other = format(c.getAppender("stderr").getLayout(), "org.apache.spark.SparkContext", Level.ERROR,
        "something else", failure);
    assertThat(other).contains("\tat ");
  }
}
