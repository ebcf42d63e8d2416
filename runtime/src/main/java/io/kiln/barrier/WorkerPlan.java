package io.kiln.barrier;

import io.kiln.channel.InputSplit;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Everything one worker needs, sent with its task: small and serializable.
 *
 * @param rank this worker's rank
 * @param workers how many workers there are
 * @param attempt which start of the job's workers this is
 * @param threads threads the worker may use
 * @param jobName the job
 * @param channels this worker's share of each channel
 * @param control the line to the driver
 * @param checkpoints the job's checkpoint store, or null
 * @param checkpointInterval rounds between checkpoints the user asked for, 0 for the default
 * @param hadoopConf the storage settings
 */
public record WorkerPlan(
    int rank,
    int workers,
    int attempt,
    int threads,
    String jobName,
    Map<String, ChannelShare> channels,
    ControlClient control,
    CheckpointStore checkpoints,
    int checkpointInterval,
    HadoopConf hadoopConf) implements Serializable {

  /** One channel's splits for one worker. */
  public record ChannelShare(ContentType contentType, List<InputSplit> splits) implements Serializable {}
}
