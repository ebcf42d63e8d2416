package io.kiln.tuning.strategy;

import java.util.Random;

/**
 * Random streams derived from a strategy's seed and what it has seen, so a suggestion depends only
 * on the seed and the history, never on how many times the strategy was asked before.
 */
final class Seeds {
  private Seeds() {
  }

  /** The stream for a call that sees {@code historySize} trials, for one purpose of the strategy. */
  static Random forCall(long seed, int historySize, long purpose) {
    return new Random(mix(mix(seed ^ 0x5DEECE66DL * purpose) + historySize));
  }

  /** SplitMix64's finaliser: nearby inputs give unrelated outputs. */
  static long mix(long z) {
    z += 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
