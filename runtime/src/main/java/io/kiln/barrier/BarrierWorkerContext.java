package io.kiln.barrier;

import io.kiln.channel.ChannelReader;
import io.kiln.spi.CheckpointStore;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.WorkerContext;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.BarrierTaskContext;

/** The {@link WorkerContext} of a worker running as a task of a Spark barrier stage. */
final class BarrierWorkerContext implements WorkerContext {
  private final WorkerPlan plan;
  private final BarrierTaskContext task;

  BarrierWorkerContext(WorkerPlan plan, BarrierTaskContext task) {
    this.plan = plan;
    this.task = task;
  }

  @Override
  public int rank() {
    return plan.rank();
  }

  @Override
  public int workers() {
    return plan.workers();
  }

  @Override
  public int attempt() {
    return plan.attempt();
  }

  @Override
  public int threads() {
    return plan.threads();
  }

  @Override
  public String jobName() {
    return plan.jobName();
  }

  @Override
  public boolean hasChannel(String channel) {
    return plan.channels().containsKey(channel);
  }

  @Override
  public LabeledData read(String channel, ReadOptions options) {
    WorkerPlan.ChannelShare share = plan.channels().get(channel);
    if (share == null) {
      throw new IllegalArgumentException("no channel " + channel);
    }
    LabeledData data = new ChannelReader(plan.hadoopConf().get()).read(channel, share.contentType(), share.splits(),
        options);
    // agree on the feature count with the other workers
    int mine = data.rows() == 0 ? -1 : data.columns();
    List<String> all = allGather(Integer.toString(mine));
    int[] counts = all.stream().mapToInt(Integer::parseInt).toArray();
    int columns = Arrays.stream(counts).max().orElse(-1);
    if (share.contentType() != ContentType.LIBSVM) {
      for (int w = 0; w < counts.length; w++) {
        if (counts[w] >= 0 && counts[w] != columns) {
          throw KilnException.user("Channel '" + channel + "' has rows with different numbers of features: worker "
              + w + " read rows with " + counts[w] + " features, another worker rows with " + columns
              + ". Every row needs the same number of columns");
        }
      }
    }
    for (int w = 0; w < counts.length; w++) {
      if (counts[w] < 0) {
        throw KilnException.user("Channel '" + channel + "' gave worker " + w + " no rows: the data is too small for "
            + plan.workers() + " workers. Use fewer workers or more data");
      }
    }
    return new LabeledData(data.rows(), Math.max(columns, 0), data.labels(), data.weights(), data.dense(),
        data.rowOffsets(), data.indices(), data.values());
  }

  @Override
  public Directive report(int round, Map<String, Double> metrics) {
    return plan.control().report(plan.attempt(), plan.rank(), round, metrics);
  }

  @Override
  public List<String> allGather(String message) {
    return List.of(task.allGather(message));
  }

  @Override
  public CheckpointStore checkpoints() {
    return plan.checkpoints();
  }

  @Override
  public int checkpointInterval() {
    return plan.checkpointInterval();
  }

  @Override
  public void log(String line) {
    plan.control().log(plan.rank(), line);
  }
}
