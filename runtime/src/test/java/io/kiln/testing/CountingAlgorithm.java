package io.kiln.testing;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.LabeledData;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.ReadOptions;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A hand-written algorithm for tests of the runtime: it reads its train channel on every worker,
 * then "trains" for {@code rounds} rounds, each reporting {@code train:loss = 1 / (round + 1) +
 * offset} and sleeping {@code sleep_ms}, and obeys the driver's directives. Its model is a text
 * file holding the rounds done, the rows seen and the train channel's feature count.
 *
 * <p>Batch prediction ({@link #predictor}): a directory whose {@code model.txt} starts with
 * {@code rounds=} is its model; each row gives {@code row_sum} (the sum of its present features, a
 * number), {@code rounds} (the model's rounds, a whole number) and {@code doubled} (every feature
 * times two, a vector; NaN stays NaN). Rows must have the model's {@code features} when it records
 * them; a feature equal to -999 is refused as a user error naming the row.
 *
 * <p>Hyperparameters: rounds (required), sleep_ms, offset, fail_at_round (throws a user error
 * there), fail_once_at_round (rank 0 throws an algorithm error there in the first attempt only),
 * checkpoint_every (with a checkpoint location: rank 0 saves every this many rounds; each attempt
 * restores the newest checkpoint), stuck_at_round (in the first attempt rank 1 blocks there for
 * good, ignoring kills, as a native collective waiting for a dead peer does; cluster tests only),
 * checkpoint_mb (each checkpoint also holds a file of this many MiB, written and verified in 1 MiB
 * pieces, for checkpoints larger than an executor's heap), hold_at_round (in the first attempt every
 * rank waits at the start of this round, after the checkpoints before it are saved, until its task
 * is killed: the attempt cannot end without the kill or stop a test means to land inside it; the
 * wait is interruptible, as Spark's kill is an interrupt), hold_in_job (with hold_at_round: hold
 * only in jobs whose name contains this text, e.g. one trial of a tuning job).
 */
public final class CountingAlgorithm implements Algorithm<CountingAlgorithm.Params> {

  /** The validated hyperparameters. */
  public record Params(int rounds, long sleepMs, double offset, int failAtRound, int failOnceAtRound,
      int checkpointEvery, int stuckAtRound, int checkpointMb, int holdAtRound, String holdInJob)
      implements Serializable {}

  /** What each worker returns. */
  public record Result(int rounds, long rows, boolean stopped, double lastLoss, int restoredRound, int columns)
      implements Serializable {}

  @Override
  public String name() {
    return "counting";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-counting");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, List.of(ContentType.CSV, ContentType.LIBSVM), ContentType.CSV),
        new ChannelRequirement("validation", false, List.of(ContentType.CSV), ContentType.CSV));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    return List.of(new MetricDescriptor("train:loss", false));
  }

  @Override
  public Params hyperparameters(Map<String, String> raw) {
    for (String k : raw.keySet()) {
      if (!Set.of("rounds", "sleep_ms", "offset", "fail_at_round", "fail_once_at_round", "checkpoint_every",
          "stuck_at_round", "checkpoint_mb", "hold_at_round", "hold_in_job")
          .contains(k) && !io.kiln.spi.HyperparameterRule.reserved(k)) {
        throw KilnException.user("Hyperparameter " + k + " is not a counting hyperparameter");
      }
    }
    if (!raw.containsKey("rounds")) {
      throw KilnException.user("Missing required hyperparameter rounds");
    }
    int rounds;
    try {
      rounds = Integer.parseInt(raw.get("rounds"));
    } catch (NumberFormatException e) {
      throw KilnException.user("Hyperparameter rounds=" + raw.get("rounds") + " is not valid: expected a whole number >= 1");
    }
    if (rounds < 1) {
      throw KilnException.user("Hyperparameter rounds=" + rounds + " is not valid: expected a whole number >= 1");
    }
    return new Params(rounds, Long.parseLong(raw.getOrDefault("sleep_ms", "0")),
        Double.parseDouble(raw.getOrDefault("offset", "0")), Integer.parseInt(raw.getOrDefault("fail_at_round", "-1")),
        Integer.parseInt(raw.getOrDefault("fail_once_at_round", "-1")),
        Integer.parseInt(raw.getOrDefault("checkpoint_every", "0")),
        Integer.parseInt(raw.getOrDefault("stuck_at_round", "-1")),
        Integer.parseInt(raw.getOrDefault("checkpoint_mb", "0")),
        Integer.parseInt(raw.getOrDefault("hold_at_round", "-1")), raw.getOrDefault("hold_in_job", ""));
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("rounds");
  }

  @Override
  public java.util.OptionalInt plannedRounds(Params p) {
    return java.util.OptionalInt.of(p.rounds());
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    List<Result> results = context.runOnWorkers(new Worker(p));
    Result r = results.get(0);
    long rows = results.stream().mapToLong(Result::rows).sum();
    try {
      Files.writeString(context.modelDirectory().resolve("model.txt"), "rounds=" + r.rounds() + "\nrows=" + rows
          + "\nrestored=" + r.restoredRound() + "\nworkers=" + context.workers() + "\nfeatures=" + r.columns() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(r.rounds(), Map.of("train:loss", r.lastLoss()), r.stopped());
  }

  @Override
  public boolean modelFromCheckpoint(java.nio.file.Path checkpoint, java.nio.file.Path dir) {
    try {
      String round = Files.readString(checkpoint.resolve("state")).trim();
      Files.writeString(dir.resolve("model.txt"), "rounds=" + round + "\nfrom-checkpoint=true\n");
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean recognizes(java.nio.file.Path dir) {
    java.nio.file.Path f = dir.resolve("model.txt");
    try {
      return Files.isRegularFile(f) && Files.readString(f).startsWith("rounds=");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public io.kiln.spi.Predictor predictor(java.nio.file.Path dir) {
    Map<String, String> model = new java.util.HashMap<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("model.txt"))) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          model.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    } catch (IOException e) {
      throw KilnException.user("The counting model has no readable model.txt: " + e.getMessage());
    }
    long rounds = Long.parseLong(model.getOrDefault("rounds", "0"));
    java.util.OptionalInt features = model.containsKey("features")
        ? java.util.OptionalInt.of(Integer.parseInt(model.get("features"))) : java.util.OptionalInt.empty();
    return new io.kiln.spi.Predictor() {
      @Override
      public java.util.OptionalInt featureCount() {
        return features;
      }

      @Override
      public io.kiln.spi.Predictions predict(float[] x, int rows, int columns) {
        double[] sums = new double[rows];
        long[] r = new long[rows];
        double[][] doubled = new double[rows][columns];
        for (int i = 0; i < rows; i++) {
          r[i] = rounds;
          for (int j = 0; j < columns; j++) {
            float v = x[i * columns + j];
            if (v == -999f) {
              throw KilnException.user("row " + i + " holds -999, which the counting model refuses");
            }
            sums[i] += v == v ? v : 0;
            doubled[i][j] = 2.0 * v;
          }
        }
        return new io.kiln.spi.Predictions(rows, List.of(new io.kiln.spi.Predictions.Numbers("row_sum", sums),
            new io.kiln.spi.Predictions.Integers("rounds", r), new io.kiln.spi.Predictions.Vectors("doubled", doubled)));
      }

      @Override
      public void close() {}
    };
  }

  private static final int MIB = 1 << 20;

  /** A file of {@code mb} MiB whose every byte is {@code round mod 251}, written a MiB at a time. */
  static void writeBallast(java.nio.file.Path dir, int round, int mb) throws IOException {
    if (mb <= 0) {
      return;
    }
    byte[] piece = new byte[MIB];
    java.util.Arrays.fill(piece, (byte) (round % 251));
    try (var out = Files.newOutputStream(dir.resolve("ballast.bin"))) {
      for (int i = 0; i < mb; i++) {
        out.write(piece);
      }
    }
  }

  /** Checks every byte of a restored ballast file. */
  static void checkBallast(java.nio.file.Path dir, int round, int mb) throws IOException {
    if (mb <= 0) {
      return;
    }
    java.nio.file.Path f = dir.resolve("ballast.bin");
    if (Files.size(f) != (long) mb * MIB) {
      throw new IllegalStateException("restored ballast has " + Files.size(f) + " bytes, not " + mb + " MiB");
    }
    byte[] piece = new byte[MIB];
    try (var in = Files.newInputStream(f)) {
      int n;
      while ((n = in.readNBytes(piece, 0, MIB)) > 0) {
        for (int i = 0; i < n; i++) {
          if (piece[i] != (byte) (round % 251)) {
            throw new IllegalStateException("restored ballast differs from what round " + round + " wrote");
          }
        }
      }
    }
  }

  static double loss(int round, double offset) {
    return 1.0 / (round + 1) + offset;
  }

  /** As a native collective waiting for a dead peer: ignores interrupts until its JVM ends. */
  @SuppressWarnings("InfiniteLoopStatement")
  static void stuckForGood() {
    while (true) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException ignored) {
        // a kill does not reach native code either
      }
    }
  }

  /** Waits until the thread is interrupted (Spark killing the task), then throws. */
  static void holdUntilKilled() throws InterruptedException {
    new java.util.concurrent.CountDownLatch(1).await();
  }

  private record Worker(Params p) implements WorkerFunction<Result> {
    @Override
    public Result run(WorkerContext ctx) throws Exception {
      LabeledData data = ctx.read("train", ReadOptions.DEFAULT);
      Checkpointing checkpoints = p.checkpointEvery() > 0 ? ctx.checkpointing() : null;
      int round = 0;
      if (checkpoints != null) {
        // every worker restores the round rank 0 found
        Optional<Checkpointing.Restored> restored = checkpoints.restore();
        if (restored.isPresent()) {
          round = restored.get().round();
          checkBallast(restored.get().directory(), round, p.checkpointMb());
        }
      }
      boolean hold = p.holdAtRound() >= 0 && ctx.attempt() == 0 && ctx.jobName().contains(p.holdInJob());
      if ((p.stuckAtRound() >= 0 || hold) && ctx.attempt() == 0) {
        ctx.log("rank " + ctx.rank() + " runs on executor " + org.apache.spark.SparkEnv.get().executorId());
      }
      int restored = round;
      boolean stopped = false;
      double last = Double.NaN;
      while (round < p.rounds()) {
        if (round == p.failAtRound()) {
          throw KilnException.user("counting failed at round " + round + " as asked");
        }
        // rank 0 alone fails: it has saved every checkpoint before this round, whereas another rank
        // may run ahead of rank 0 and would end the attempt before those checkpoints exist
        if (round == p.failOnceAtRound() && ctx.attempt() == 0 && ctx.rank() == 0) {
          throw new KilnException(io.kiln.spi.ErrorType.ALGORITHM, "counting failed once at round " + round);
        }
        if (round == p.stuckAtRound() && ctx.attempt() == 0 && ctx.rank() == 1) {
          ctx.log("rank 1 is stuck at round " + round + ", ignoring kills");
          stuckForGood();
        }
        if (hold && round == p.holdAtRound()) {
          ctx.log("rank " + ctx.rank() + " holds at round " + round + " until its task is killed");
          holdUntilKilled();
        }
        Thread.sleep(p.sleepMs());
        last = loss(round, p.offset());
        Directive d = ctx.report(round, ctx.rank() == 0 ? Map.of("train:loss", last) : Map.of());
        round++;
        if (checkpoints != null) {
          int saved = round;
          Checkpointing.StateWriter state = dir -> {
            Files.writeString(dir.resolve("state"), Integer.toString(saved));
            writeBallast(dir, saved, p.checkpointMb());
          };
          if (d != Directive.CONTINUE) {
            checkpoints.afterRound(round, 0, d, state);
          } else if (round % p.checkpointEvery() == 0) {
            checkpoints.saveNow(round, state);
          }
        }
        if (d == Directive.STOP) {
          stopped = round < p.rounds();
          break;
        }
      }
      return new Result(round, data.rows(), stopped, last, restored, data.columns());
    }
  }
}
