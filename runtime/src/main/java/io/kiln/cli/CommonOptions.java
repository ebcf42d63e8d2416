package io.kiln.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes: where Spark runs, extra settings, where job records live. */
public final class CommonOptions {
  @Option(names = "--master", paramLabel = "URL",
      description = "Spark master; default: spark.master if set (spark-submit sets it), else local[*]")
  String master;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark or Kiln (spark.kiln.*) setting; repeatable")
  List<String> conf = new ArrayList<>();

  @Option(names = "--job-root", paramLabel = "URI",
      description = "Where job records live (file://, s3://, s3a://); default ~/.kiln/jobs or spark.kiln.job-root")
  String jobRoot;

  /** The environment commands read; tests run commands with one of their own. */
  static final ThreadLocal<java.util.Map<String, String>> ENVIRONMENT = ThreadLocal.withInitial(System::getenv);

  private KilnSettings settings;

  /** The settings this command runs with (resolved once). */
  public KilnSettings settings() {
    if (settings == null) {
      java.util.Map<String, String> env = ENVIRONMENT.get();
      settings = KilnSettings.resolve(KilnSettings.defaultsFile(env), env, conf, master, jobRoot);
    }
    return settings;
  }
}
