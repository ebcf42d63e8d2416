package io.kiln.spi;

import java.util.List;
import java.util.Map;

/** What worker code sees: its rank, its share of each channel, and the line to the driver. */
public interface WorkerContext {

  int rank();

  int workers();

  /** How many times this job's workers have been started; 0 for the first. */
  int attempt();

  /** Threads this worker may use. */
  int threads();

  String jobName();

  /** True when the job has this channel. */
  boolean hasChannel(String channel);

  /**
   * Reads this worker's share of a channel. Every row of the channel goes to exactly one worker, and
   * which one depends only on the channel's objects and the worker count.
   */
  LabeledData read(String channel, ReadOptions options);

  /**
   * Reports one round's metrics to the driver and returns what to do next. Every worker gets the
   * same directive for the same round.
   */
  Directive report(int round, Map<String, Double> metrics);

  /** Exchanges one message with every worker; returns all messages by rank. */
  List<String> allGather(String message);

  /** The job's checkpoint store, usable from worker code; null when the job has none. */
  CheckpointStore checkpoints();

  /** Rounds between checkpoints the user asked for, or 0 for the algorithm's own default. */
  int checkpointInterval();

  /** Writes a line to the job's log on the driver. */
  void log(String line);
}
