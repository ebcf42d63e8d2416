package io.kiln.testing;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ReduceOp;
import io.kiln.spi.Rendezvous;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A hand-written algorithm for tests of the job facts workers see: every worker makes a rendezvous,
 * runs a few all-reduces ({@link #inputs} in, the results out), and returns what it saw of the
 * environment and its GPUs. The driver keeps the workers' results by job name in {@link #RESULTS}
 * (local mode: the test's own JVM).
 *
 * <p>Hyperparameters: {@code long_length} (default 100000) the length of the large SUM;
 * {@code mismatch} ({@code true}: rank 1 passes one float more to the first all-reduce).
 */
public final class CollectivesAlgorithm implements Algorithm<CollectivesAlgorithm.Params> {
  /** Each finished job's worker results, by rank. */
  public static final Map<String, List<Result>> RESULTS = new ConcurrentHashMap<>();

  /** The validated hyperparameters. */
  public record Params(int longLength, boolean mismatch) implements Serializable {}

  /**
   * What one worker saw.
   *
   * @param rank the worker's rank
   * @param rendezvous its rendezvous
   * @param sum the SUM of {@link #inputs}
   * @param min their MIN
   * @param max their MAX
   * @param longSum the SUM of {@link #longInput} over the workers
   * @param environment {@link WorkerContext#environment()}
   * @param gpus {@link WorkerContext#gpus()}
   */
  public record Result(int rank, Rendezvous rendezvous, float[] sum, float[] min, float[] max, float[] longSum,
      Map<String, String> environment, List<String> gpus) implements Serializable {}

  /** Worker {@code rank}'s small input: mixed signs, an infinity on rank 1, a NaN on rank 2. */
  public static float[] inputs(int rank) {
    return new float[] {rank + 1, -(rank + 1), rank == 1 ? Float.POSITIVE_INFINITY : 0.5f,
        rank == 2 ? Float.NaN : rank};
  }

  /** Worker {@code rank}'s large input: small integers, so any order of summing is exact. */
  public static float[] longInput(int rank, int length) {
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      v[i] = (rank + 1) * (i % 7);
    }
    return v;
  }

  @Override
  public String name() {
    return "collectives";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-collectives");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, List.of(ContentType.CSV), ContentType.CSV));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, java.util.Set<String> channels) {
    return List.of();
  }

  @Override
  public Params hyperparameters(Map<String, String> raw) {
    for (String k : raw.keySet()) {
      if (!Set.of("long_length", "mismatch").contains(k) && !k.startsWith("_")) {
        throw KilnException.user("Hyperparameter " + k + " is not a collectives hyperparameter");
      }
    }
    return new Params(Integer.parseInt(raw.getOrDefault("long_length", "100000")),
        Boolean.parseBoolean(raw.getOrDefault("mismatch", "false")));
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    List<Result> results = context.runOnWorkers(new Worker(p));
    RESULTS.put(context.jobName(), results);
    try {
      Files.writeString(context.modelDirectory().resolve("model.txt"), "workers=" + results.size() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(1, Map.of(), false);
  }

  private record Worker(Params p) implements WorkerFunction<Result> {
    @Override
    public Result run(WorkerContext ctx) {
      Rendezvous rendezvous = ctx.rendezvous();
      float[] sum = inputs(ctx.rank());
      if (p.mismatch() && ctx.rank() == 1) {
        sum = Arrays.copyOf(sum, sum.length + 1);
      }
      ctx.allReduce(sum, ReduceOp.SUM);
      float[] min = inputs(ctx.rank());
      ctx.allReduce(min, ReduceOp.MIN);
      float[] max = inputs(ctx.rank());
      ctx.allReduce(max, ReduceOp.MAX);
      float[] longSum = longInput(ctx.rank(), p.longLength());
      ctx.allReduce(longSum, ReduceOp.SUM);
      return new Result(ctx.rank(), rendezvous, sum, min, max, longSum, Map.copyOf(ctx.environment()),
          List.copyOf(ctx.gpus()));
    }
  }
}
