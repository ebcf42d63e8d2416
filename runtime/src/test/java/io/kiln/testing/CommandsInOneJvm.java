package io.kiln.testing;

import io.kiln.cli.Kiln;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs several {@code kiln} command lines, separated by {@code ::}, in this one JVM and prints
 * {@code EXIT <code>} after each: a test launches it with {@code -verbose:class} to see which
 * classes the commands load (the read-only ones must never load Spark's).
 */
public final class CommandsInOneJvm {
  private CommandsInOneJvm() {}

  public static void main(String[] args) {
    List<String> command = new ArrayList<>();
    List<List<String>> commands = new ArrayList<>();
    for (String a : args) {
      if (a.equals("::")) {
        commands.add(command);
        command = new ArrayList<>();
      } else {
        command.add(a);
      }
    }
    commands.add(command);
    PrintWriter out = new PrintWriter(System.out, true);
    for (List<String> c : commands) {
      int exit = Kiln.execute(c.toArray(String[]::new), out, new PrintWriter(System.err, true));
      out.println("EXIT " + exit);
    }
    System.exit(0);
  }
}
