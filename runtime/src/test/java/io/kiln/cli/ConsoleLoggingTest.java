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

  @Test
  void sparksTaskFailuresAreOneLineEachOnTheConsole() throws Exception {
    LoggerContext context = new LoggerContext("kiln-console-test");
    Configuration c = conf(context);
    Exception failure = new IllegalStateException("column 3 of row 7 is 'abc', not a number",
        new java.io.IOException("inner"));
    for (String logger : new String[] {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager"}) {
      LoggerConfig lc = c.getLoggerConfig(logger);
      assertThat(lc.getName()).isEqualTo(logger);
      assertThat(lc.isAdditive()).as("%s goes to its own appender only", logger).isFalse();
      assertThat(lc.getAppenders()).containsOnlyKeys("brief");
      assertThat(lc.getLevel()).as("Lost task ... warnings are not printed").isEqualTo(Level.ERROR);
    }
    String brief = format(c.getAppender("brief").getLayout(), "org.apache.spark.executor.Executor", Level.ERROR,
        "Exception in task 0.0 in stage 3.0 (TID 5)", failure);
    assertThat(brief.strip()).endsWith("ERROR Executor: Exception in task 0.0 in stage 3.0 (TID 5) (column 3 of row 7"
        + " is 'abc', not a number)");
    assertThat(brief.strip()).doesNotContain("\n");
    // other errors keep their stack traces: only the task failures the job's reason already says are brief
    assertThat(c.getLoggerConfig("org.apache.spark.SparkContext").getAppenders()).doesNotContainKey("brief");
    String other = format(c.getAppender("stderr").getLayout(), "org.apache.spark.SparkContext", Level.ERROR,
        "something else", failure);
    assertThat(other).contains("\tat ");
  }
}
