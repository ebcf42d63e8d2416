package io.kiln.tuning.cli;

import io.kiln.cli.KilnCommandProvider;
import java.util.List;

/** Adds {@code tune}, {@code describe-tuning} and {@code list-trials} to the {@code kiln} command. */
public final class TuningCommands implements KilnCommandProvider {
  @Override
  public List<Object> commands() {
    return List.of(new TuneCommand(), new DescribeTuningCommand(), new ListTrialsCommand());
  }
}
