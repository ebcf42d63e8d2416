package io.kiln.cli;

import org.apache.spark.sql.SparkSession;

/** The SparkSession a command runs on: the one spark-submit made, or a new one from Kiln's settings. */
public final class Sessions {
  private Sessions() {}

  public static SparkSession start(KilnSettings settings) {
    return SparkSession.builder().config(settings.sparkConf()).getOrCreate();
  }
}
