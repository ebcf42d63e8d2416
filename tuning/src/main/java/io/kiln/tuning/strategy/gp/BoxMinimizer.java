package io.kiln.tuning.strategy.gp;

/**
 * Minimises a smooth function inside a box {@code lower <= x <= upper}: what the Gaussian-process
 * hyperparameter fit ({@link GaussianProcess#fit}) and the acquisition search of Bayesian search call.
 * Kiln's implementation is {@link Lbfgs}; the seam exists so that {@code scripts/bench-lbfgs} can run
 * the same strategy with another optimiser (Breeze's L-BFGS-B) and compare proposals and fit times.
 */
@FunctionalInterface
public interface BoxMinimizer {
  /**
   * Searches from {@code start} (projected into the box first) for a minimum of {@code f}.
   *
   * @param f the function and its gradient; may return NaN or infinity where undefined
   * @param start where the search starts, one value per coordinate
   * @param lower the box's lower bounds, same length
   * @param upper the box's upper bounds, same length
   * @return the best point found (inside the box), its value, and how many times f was evaluated
   */
  Lbfgs.Result minimize(Lbfgs.Objective f, double[] start, double[] lower, double[] upper);

  /** Makes a minimiser with the given stopping rules; {@code Lbfgs::new} is Kiln's. */
  @FunctionalInterface
  interface Factory {
    /**
     * @param maxIterations quasi-Newton iterations at most
     * @param gradientTolerance stop when every free coordinate of the gradient is smaller
     * @param valueTolerance stop when an iteration improves f by less than this, relative to max(1, |f|)
     * @param maxStep the largest move of any coordinate in one iteration (an implementation may ignore it)
     */
    BoxMinimizer create(int maxIterations, double gradientTolerance, double valueTolerance, double maxStep);
  }
}
