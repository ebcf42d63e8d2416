package io.kiln.testing;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
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
 * file holding the rounds done and the rows seen.
 *
 * <p>Hyperparameters: rounds (required), sleep_ms, offset, fail_at_round (throws a user error
 * there).
 */
public final class CountingAlgorithm implements Algorithm<CountingAlgorithm.Params> {

  /** The validated hyperparameters. */
  public record Params(int rounds, long sleepMs, double offset, int failAtRound) implements Serializable {}

  /** What each worker returns. */
  public record Result(int rounds, long rows, boolean stopped, double lastLoss) implements Serializable {}

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
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters) {
    return List.of(new MetricDescriptor("train:loss", false));
  }

  @Override
  public Params hyperparameters(Map<String, String> raw) {
    for (String k : raw.keySet()) {
      if (!Set.of("rounds", "sleep_ms", "offset", "fail_at_round").contains(k) && !k.startsWith("_")) {
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
        Double.parseDouble(raw.getOrDefault("offset", "0")), Integer.parseInt(raw.getOrDefault("fail_at_round", "-1")));
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("rounds");
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    List<Result> results = context.runOnWorkers(new Worker(p));
    Result r = results.get(0);
    long rows = results.stream().mapToLong(Result::rows).sum();
    try {
      Files.writeString(context.modelDirectory().resolve("model.txt"), "rounds=" + r.rounds() + "\nrows=" + rows + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(r.rounds(), Map.of("train:loss", r.lastLoss()), r.stopped());
  }

  static double loss(int round, double offset) {
    return 1.0 / (round + 1) + offset;
  }

  private record Worker(Params p) implements WorkerFunction<Result> {
    @Override
    public Result run(WorkerContext ctx) throws Exception {
      LabeledData data = ctx.read("train", ReadOptions.DEFAULT);
      int round = 0;
      boolean stopped = false;
      double last = Double.NaN;
      while (round < p.rounds()) {
        if (round == p.failAtRound()) {
          throw KilnException.user("counting failed at round " + round + " as asked");
        }
        Thread.sleep(p.sleepMs());
        last = loss(round, p.offset());
        Directive d = ctx.report(round, ctx.rank() == 0 ? Map.of("train:loss", last) : Map.of());
        round++;
        if (d == Directive.STOP) {
          stopped = round < p.rounds();
          break;
        }
      }
      return new Result(round, data.rows(), stopped, last);
    }
  }
}
