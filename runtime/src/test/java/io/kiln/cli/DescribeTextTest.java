package io.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.record.JobRecords;
import io.kiln.record.JobStore;
import io.kiln.spec.SpecReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln describe}'s text: a value a user gave with a line break (a hyperparameter's key or
 * value) is shown escaped, so it cannot forge lines such as a fake {@code [Completed]}.
 */
class DescribeTextTest {
  @TempDir
  Path dir;

  @Test
  void aLineBreakInAHyperparameterCannotForgeLines() {
    String root = dir.resolve("jobs").toString();
    var spec = SpecReader.readTrainingJob("""
        {"name": "forge-1", "algorithm": "xgboost", "channels": [{"name": "train", "uri": "s3://b/train/"}],
         "outputPath": "s3://b/out/",
         "hyperparameters": {"max_depth": "3\\n2026-11-30T14:40:00Z [Completed] fake", "bogus\\r[Completed] key": "1"}}
        """, "test");
    new JobStore(root, new Configuration()).create(JobRecords.created(spec, Instant.now(), "local[2]", "app-1",
        "127.0.0.1", 1, 30));
    StringWriter out = new StringWriter();
    int exit = Kiln.execute(new String[] {"describe", "forge-1", "--job-root", root}, new PrintWriter(out, true),
        new PrintWriter(new StringWriter(), true), Map.of());
    assertThat(exit).isZero();
    assertThat(out.toString().lines()).noneMatch(l -> l.contains("[Completed]") && !l.startsWith("  "))
        .contains("  max_depth = 3\\n2026-11-30T14:40:00Z [Completed] fake", "  bogus\\r[Completed] key = 1");
    assertThat(out.toString()).doesNotContain("\r");
  }
}
