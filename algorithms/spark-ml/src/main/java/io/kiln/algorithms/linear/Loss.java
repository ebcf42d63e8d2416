package io.kiln.algorithms.linear;

import java.io.Serializable;

/**
 * The losses SageMaker's Linear Learner takes ({@code loss}), each with its derivative in the
 * model's output. For a binary classifier the output is the margin {@code m} and the label 0 or 1;
 * for a regressor the output is the prediction and the label a number. {@code softmax_loss} is
 * computed by the caller from the class probabilities (its derivative is {@code p_k - [k = y]}).
 *
 * @param name SageMaker's name of the loss
 * @param margin the hinge loss's margin
 * @param delta the huber loss's threshold, in the label's units as trained
 * @param epsilon the eps-insensitive losses' epsilon, in the label's units as trained
 * @param quantile the quantile loss's quantile
 */
public record Loss(String name, double margin, double delta, double epsilon, double quantile) implements Serializable {

  /** The loss of hyperparameters {@code hp}, with thresholds divided by {@code labelScale}. */
  static Loss of(LinearLearnerHyperparameters hp, double labelScale) {
    return new Loss(hp.loss(), hp.margin(), hp.huberDelta() / labelScale, hp.lossInsensitivity() / labelScale,
        hp.quantile());
  }

  /** The loss of output {@code m} for label {@code y}. */
  public double value(double m, double y) {
    switch (name) {
      case "logistic": {
        // log(1 + e^m) - y m, computed without overflow
        double softplus = m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
        return softplus - y * m;
      }
      case "hinge_loss":
        return Math.max(0, margin - (2 * y - 1) * m);
      case "squared_loss":
        return (m - y) * (m - y);
      case "absolute_loss":
        return Math.abs(m - y);
      case "eps_insensitive_squared_loss": {
        double e = Math.max(0, Math.abs(m - y) - epsilon);
        return e * e;
      }
      case "eps_insensitive_absolute_loss":
        return Math.max(0, Math.abs(m - y) - epsilon);
      case "quantile_loss": {
        double r = y - m;
        return r >= 0 ? quantile * r : (quantile - 1) * r;
      }
      case "huber_loss": {
        double r = Math.abs(m - y);
        return r <= delta ? 0.5 * r * r : delta * (r - 0.5 * delta);
      }
      default:
        throw new IllegalStateException("no scalar loss " + name);
    }
  }

  /** The derivative of {@link #value} in {@code m}. */
  public double derivative(double m, double y) {
    switch (name) {
      case "logistic":
        return sigmoid(m) - y;
      case "hinge_loss": {
        double s = 2 * y - 1;
        return s * m < margin ? -s : 0;
      }
      case "squared_loss":
        return 2 * (m - y);
      case "absolute_loss":
        return Math.signum(m - y);
      case "eps_insensitive_squared_loss": {
        double r = m - y;
        double e = Math.abs(r) - epsilon;
        return e > 0 ? 2 * e * Math.signum(r) : 0;
      }
      case "eps_insensitive_absolute_loss": {
        double r = m - y;
        return Math.abs(r) > epsilon ? Math.signum(r) : 0;
      }
      case "quantile_loss":
        return y - m > 0 ? -quantile : 1 - quantile;
      case "huber_loss": {
        double r = m - y;
        return Math.abs(r) <= delta ? r : delta * Math.signum(r);
      }
      default:
        throw new IllegalStateException("no scalar loss " + name);
    }
  }

  /** The logistic function, without overflow. */
  public static double sigmoid(double m) {
    if (m >= 0) {
      return 1 / (1 + Math.exp(-m));
    }
    double e = Math.exp(m);
    return e / (1 + e);
  }
}
