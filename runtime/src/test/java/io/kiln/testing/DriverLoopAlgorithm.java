package io.kiln.testing;

import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.Checkpointing;
import io.kiln.spi.ContentType;
import io.kiln.spi.Directive;
import io.kiln.spi.KilnException;
import io.kiln.spi.MetricDescriptor;
import io.kiln.spi.TrainingContext;
import io.kiln.spi.TrainingOutcome;
import io.kiln.spi.WorkerContext;
import io.kiln.spi.WorkerFunction;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A hand-written algorithm for tests of the runtime's progress and control paths that are not a
 * worker round loop.
 *
 * <p>{@code mode=driver} (the default): the training loop runs on the driver, as an estimator that
 * runs a Spark job per iteration does: each step sleeps {@code sleep_ms}, logs {@code "objective
 * <value>"}, reports {@code train:objective = 1 / (step + 1)} through {@link TrainingContext#report}
 * and checkpoints through {@link TrainingContext#checkpointing()} (restoring at the start). Its
 * model is {@code model.txt} with the steps done and the step it restored.
 *
 * <p>{@code mode=poll}: every worker runs code with no round loop (as an external process does)
 * that sleeps {@code sleep_ms} at a time and {@link WorkerContext#poll() polls} until it is told to
 * stop or {@code steps} polls have passed; the model records how many polls and checkpoint
 * requests each worker saw.
 */
public final class DriverLoopAlgorithm implements Algorithm<DriverLoopAlgorithm.Params> {

  /** The validated hyperparameters. */
  public record Params(int steps, long sleepMs, String mode) implements Serializable {}

  @Override
  public String name() {
    return "driver-loop";
  }

  @Override
  public Set<String> imageRepositories() {
    return Set.of("kiln-driver-loop");
  }

  @Override
  public List<ChannelRequirement> channels() {
    return List.of(new ChannelRequirement("train", true, List.of(ContentType.CSV), ContentType.CSV));
  }

  @Override
  public List<MetricDescriptor> metrics(Map<String, String> hyperparameters, Set<String> channels) {
    // train:logged is only in the log ("objective <value>" lines), for a MetricDefinitions regex to read
    return List.of(new MetricDescriptor("train:objective", false), new MetricDescriptor("train:logged", false));
  }

  @Override
  public Params hyperparameters(Map<String, String> raw) {
    String steps = raw.get("steps");
    if (steps == null || !steps.matches("[1-9][0-9]*")) {
      throw KilnException.user("Hyperparameter steps=" + steps + " is not valid: expected a whole number >= 1");
    }
    String mode = raw.getOrDefault("mode", "driver");
    if (!mode.equals("driver") && !mode.equals("poll")) {
      throw KilnException.user("Hyperparameter mode=" + mode + " is not valid: expected driver or poll");
    }
    return new Params(Integer.parseInt(steps), Long.parseLong(raw.getOrDefault("sleep_ms", "0")), mode);
  }

  @Override
  public Optional<String> resourceHyperparameter() {
    return Optional.of("steps");
  }

  @Override
  public java.util.OptionalInt plannedRounds(Params p) {
    return java.util.OptionalInt.of(p.steps());
  }

  @Override
  public boolean needsBarrier(Params p) {
    return !p.mode().equals("poll");
  }

  @Override
  public boolean modelFromCheckpoint(Path checkpoint, Path modelDirectory) {
    try {
      Files.writeString(modelDirectory.resolve("model.txt"), "steps=" + Files.readString(checkpoint.resolve("step"))
          + "\nfrom-checkpoint=true\n");
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public TrainingOutcome train(TrainingContext context, Params p) {
    return p.mode().equals("poll") ? poll(context, p) : driverLoop(context, p);
  }

  private static TrainingOutcome driverLoop(TrainingContext context, Params p) {
    Checkpointing checkpoints = context.checkpointing();
    int restored = checkpoints.restore().map(Checkpointing.Restored::round).orElse(0);
    int step = restored;
    double objective = Double.NaN;
    boolean stopped = false;
    while (step < p.steps()) {
      long start = System.nanoTime();
      sleep(p.sleepMs());
      objective = 1.0 / (step + 1);
      context.log("objective " + objective);
      Directive d = context.report(step, Map.of("train:objective", objective));
      step++;
      int done = step;
      checkpoints.afterRound(step, System.nanoTime() - start, d,
          dir -> Files.writeString(dir.resolve("step"), Integer.toString(done)));
      if (d == Directive.STOP) {
        stopped = step < p.steps();
        break;
      }
    }
    int done = step;
    checkpoints.saveFinal(step, dir -> Files.writeString(dir.resolve("step"), Integer.toString(done)));
    try {
      Files.writeString(context.modelDirectory().resolve("model.txt"), "steps=" + step + "\nrestored=" + restored
          + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(step, Double.isNaN(objective) ? Map.of() : Map.of("train:objective", objective),
        stopped);
  }

  private static TrainingOutcome poll(TrainingContext context, Params p) {
    List<Polled> results = context.runOnWorkers(new Poller(p));
    StringBuilder model = new StringBuilder();
    boolean stopped = false;
    for (int rank = 0; rank < results.size(); rank++) {
      Polled r = results.get(rank);
      model.append("rank ").append(rank).append(": polls=").append(r.polls()).append(" checkpoints=")
          .append(r.checkpoints()).append(" stopped=").append(r.stopped()).append('\n');
      stopped |= r.stopped();
    }
    try {
      Files.writeString(context.modelDirectory().resolve("model.txt"), model.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TrainingOutcome(results.get(0).polls(), Map.of(), stopped);
  }

  /** What a polling worker saw. */
  public record Polled(int polls, int checkpoints, boolean stopped) implements Serializable {}

  private record Poller(Params p) implements WorkerFunction<Polled> {
    @Override
    public Polled run(WorkerContext ctx) {
      int polls = 0;
      int checkpoints = 0;
      while (polls < p.steps()) {
        sleep(p.sleepMs());
        Directive d = ctx.poll();
        polls++;
        if (d == Directive.CHECKPOINT) {
          checkpoints++;
        } else if (d == Directive.STOP) {
          ctx.log("told to stop after " + polls + " polls");
          return new Polled(polls, checkpoints, true);
        }
      }
      return new Polled(polls, checkpoints, false);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw KilnException.internal("interrupted", e);
    }
  }
}
