package io.kiln.barrier;

import io.kiln.channel.InputSplit;
import io.kiln.channel.ObjectRef;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import org.apache.spark.broadcast.Broadcast;

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
 * @param checkpointIdentity the job, as its checkpoints record it
 * @param hadoopConf the storage settings
 * @param environment the job's environment variables
 * @param outputStagingUri where rank 0 uploads the archives of its model and output directories
 *     (a directory URI on the job's output filesystem, unique to the attempt)
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
    CheckpointIdentity checkpointIdentity,
    HadoopConf hadoopConf,
    Map<String, String> environment,
    String outputStagingUri) implements Serializable {

  /**
   * One channel as one worker reads it.
   *
   * @param contentType the format
   * @param labelSize the channel's label_size (0 or 1), or null when its ContentType does not state
   *     one
   * @param gzip whether the channel's objects are gzip-compressed (its CompressionType is Gzip)
   * @param splits this worker's byte or row ranges (row and line formats; empty for object formats)
   * @param objects every object of the channel in key order, as one broadcast per job attempt (an
   *     executor fetches it once, however many objects there are); each worker deals itself its
   *     share ({@link io.kiln.channel.ObjectKeys#deal})
   * @param manifestUri for an AugmentedManifestFile channel, the manifest as the user wrote it (its
   *     lines are then {@code splits}); null for the other data types
   * @param attributeNames an AugmentedManifestFile channel's AttributeNames; empty for the others
   */
  public record ChannelShare(ContentType contentType, Integer labelSize, boolean gzip, List<InputSplit> splits,
      Broadcast<List<ObjectRef>> objects, String manifestUri, List<String> attributeNames) implements Serializable {

    /** True for an AugmentedManifestFile channel. */
    public boolean augmentedManifest() {
      return manifestUri != null;
    }
  }
}
