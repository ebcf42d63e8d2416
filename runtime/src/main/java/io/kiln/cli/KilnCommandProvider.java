package io.kiln.cli;

import java.util.List;

/** Adds subcommands to {@code kiln} from another module (the tuner), found through ServiceLoader. */
public interface KilnCommandProvider {
  List<Object> commands();
}
