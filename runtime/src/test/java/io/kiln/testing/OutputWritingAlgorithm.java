package io.kiln.testing;

import io.kiln.barrier.HadoopConf;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A hand-written algorithm for tests of where outputs are made. Every rank writes into its
 * worker-side model and output/data directories (rank 0's become the archives); the driver writes
 * {@code driver.txt} into its own model directory; in {@code estimator} mode executor tasks also
 * write files under {@link TrainingContext#modelStagingUri()} through the Hadoop filesystem, as
 * Spark ML's {@code model.write().save(uri)} does.
 *
 * <p>Hyperparameters: mode ({@code worker} (default), {@code estimator}, {@code driver}: where the
 * model is written), model_bytes (size of rank 0's {@code weights.bin}, default 100000), runs
 * (worker runs per attempt, default 1; workers write their directories in the first), model_attempts
 * (attempts in which workers write a model, default all), fail ({@code client}, {@code algorithm}:
 * rank fail_rank writes a failure file and throws in the last run; {@code note}: writes one and
 * returns), fail_rank (default 1), fail_attempts (attempts that fail, default all).
 */
public final class OutputWritingAlgorithm implements Algorithm<OutputWritingAlgorithm.Params> {
  /** The failure file of {@code fail=client}: its first line is the FailureReason. */
  public static final String CLIENT_FAILURE = "\n  ClientError: column 3 of row 7 is 'abc', not a number\n"
      + "the rest of this text is not shown\n";
  /** The failure file of {@code fail=algorithm}. */
  public static final String ALGORITHM_FAILURE = "Segmentation fault in layer 3 \r\nframe 1\n";

  /** The validated hyperparameters. */
  public record Params(String mode, int modelBytes, int runs, int modelAttempts, String fail, int failRank,
      int failAttempts) implements Serializable {}

  /** What each worker returns: where it ran. */
  public record Ran(int rank, int attempt, String executor) implements Serializable {}

  @Override
  public String name() {
    return "outputs";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-outputs");
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
      if (!Set.of("mode", "model_bytes", "runs", "model_attempts", "fail", "fail_rank", "fail_attempts").contains(k)
          && !k.startsWith("_")) {
        throw KilnException.user("Hyperparameter " + k + " is not an outputs hyperparameter");
      }
    }
    String mode = raw.getOrDefault("mode", "worker");
    if (!Set.of("worker", "estimator", "driver").contains(mode)) {
      throw KilnException.user("Hyperparameter mode=" + mode + " is not valid: expected worker, estimator or driver");
    }
    String fail = raw.getOrDefault("fail", "none");
    if (!Set.of("none", "client", "algorithm", "note").contains(fail)) {
      throw KilnException.user("Hyperparameter fail=" + fail + " is not valid: expected none, client, algorithm or note");
    }
    return new Params(mode, Integer.parseInt(raw.getOrDefault("model_bytes", "100000")),
        Integer.parseInt(raw.getOrDefault("runs", "1")),
        Integer.parseInt(raw.getOrDefault("model_attempts", Integer.toString(Integer.MAX_VALUE))), fail,
        Integer.parseInt(raw.getOrDefault("fail_rank", "1")),
        Integer.parseInt(raw.getOrDefault("fail_attempts", Integer.toString(Integer.MAX_VALUE))));
  }

  /** Rank 0's {@code weights.bin} in an attempt: {@code size} pseudo-random bytes. */
  public static byte[] weights(int attempt, int size) {
    byte[] b = new byte[size];
    new Random(42 + attempt).nextBytes(b);
    return b;
  }

  /**
   * The files the estimator mode writes under the model staging URI from executor tasks, by
   * relative name, laid out as Spark ML's {@code save()} lays out a model (metadata, data parts, an
   * empty {@code _SUCCESS}).
   */
  public static Map<String, String> estimatorFiles() {
    Map<String, String> files = new TreeMap<>();
    files.put("metadata/part-00000", "{\"class\":\"org.example.TinyModel\",\"paramMap\":{\"k\":3}}\n");
    for (int part = 0; part < 2; part++) {
      StringBuilder b = new StringBuilder();
      for (int i = part; i < 20; i += 2) {
        b.append("coefficient ").append(i).append(" = ").append(i * 0.25).append('\n');
      }
      files.put("data/part-0000" + part, b.toString());
    }
    files.put("data/_SUCCESS", "");
    return files;
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    List<Ran> ran = List.of();
    for (int run = 0; run < p.runs(); run++) {
      ran = context.runOnWorkers(new Worker(p, run));
    }
    try {
      if (p.mode().equals("estimator")) {
        // executor tasks write the files through the Hadoop filesystem, as an estimator's save() does
        String staging = context.modelStagingUri();
        HadoopConf conf = new HadoopConf(context.spark().sparkContext().hadoopConfiguration());
        JavaSparkContext.fromSparkContext(context.spark().sparkContext())
            .parallelize(new ArrayList<>(estimatorFiles().keySet()), 2).foreachPartition(names -> {
              while (names.hasNext()) {
                String name = names.next();
                Path file = new Path(staging + "/" + name);
                try (var out = file.getFileSystem(conf.get()).create(file, true)) {
                  out.write(estimatorFiles().get(name).getBytes(StandardCharsets.UTF_8));
                }
              }
            });
      }
      Files.writeString(context.modelDirectory().resolve("driver.txt"), "driver attempt=" + ran.get(0).attempt()
          + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(1, Map.of(), false);
  }

  private record Worker(Params p, int run) implements WorkerFunction<Ran> {
    @Override
    public Ran run(WorkerContext ctx) throws Exception {
      String executor = SparkEnv.get().executorId();
      if (run == 0 && p.mode().equals("worker") && ctx.attempt() < p.modelAttempts()) {
        java.nio.file.Path model = ctx.modelDirectory();
        Files.writeString(model.resolve("rank.txt"), "rank=" + ctx.rank() + "\n");
        if (ctx.rank() == 0) {
          Files.write(model.resolve("weights.bin"), weights(ctx.attempt(), p.modelBytes()));
          Files.createDirectories(model.resolve("nested"));
          Files.writeString(model.resolve("nested/where.txt"), "attempt=" + ctx.attempt() + "\nexecutor=" + executor
              + "\npid=" + ProcessHandle.current().pid() + "\n");
          Files.writeString(ctx.outputDataDirectory().resolve("metrics.csv"), "round,loss\n0,0.5\n");
        } else {
          Files.writeString(ctx.outputDataDirectory().resolve("rank" + ctx.rank() + ".txt"), "not rank 0\n");
        }
      }
      boolean last = run == p.runs() - 1;
      if (last && ctx.rank() == p.failRank() && ctx.attempt() < p.failAttempts()) {
        switch (p.fail()) {
          case "client" -> {
            Files.writeString(ctx.failureFile(), CLIENT_FAILURE);
            throw new IllegalStateException("exit status 1");
          }
          case "algorithm" -> {
            Files.writeString(ctx.failureFile(), ALGORITHM_FAILURE);
            throw new KilnException(ErrorType.ALGORITHM, "the worker's own message, not shown");
          }
          case "note" -> Files.writeString(ctx.failureFile(), "only a note\n");
          default -> {
            // no failure
          }
        }
      }
      return new Ran(ctx.rank(), ctx.attempt(), executor);
    }
  }
}
