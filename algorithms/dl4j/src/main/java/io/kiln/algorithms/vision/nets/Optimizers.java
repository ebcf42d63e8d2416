package io.kiln.algorithms.vision.nets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.RmsProp;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * DL4J updaters from SageMaker Image Classification's optimiser hyperparameters (plain values;
 * validating the hyperparameters themselves is the caller's job: bad values here are
 * {@link IllegalArgumentException}s).
 *
 * <p>The optimisers, against MXNet's {@code optimizer.py} (which SageMaker's container runs):
 * <ul>
 *   <li>{@code sgd}: {@link MxnetSgd}, MXNet's heavy-ball momentum ({@code mom = μ·mom − lr·g; w += mom}).</li>
 *   <li>{@code nag}: DL4J {@link Nesterovs} ({@code v = μ·v − lr·g; w += μ·v − lr·g}). MXNet's NAG keeps
 *       {@code m = μ·m + g} and steps {@code w −= lr·(g + μ·m)}: the same sequence of weights while the
 *       learning rate is constant ({@code v = −lr·m}); at a learning-rate step DL4J's buffer still
 *       carries the old rate.</li>
 *   <li>{@code adam}: DL4J {@link Adam}({@code lr, beta_1, beta_2, eps}): the same formula as MXNet's
 *       ({@code lr·√(1−β₂ᵗ)/(1−β₁ᵗ) · m/(√v + ε)}, t counted from 1).</li>
 *   <li>{@code rmsprop}: DL4J {@link RmsProp}({@code lr, gamma, eps}). MXNet's (non-centred) RMSProp:
 *       {@code n = (1−γ)·g² + γ·n; w −= lr·g/√(n + ε)}, n starting at 0. DL4J's: the same
 *       moving average and step but its n starts at ε instead of 0 and ε is added outside the square
 *       root ({@code w −= lr·g/(√n + ε)}, see {@code OptimizersTest}); with SageMaker's ε = 1e-8 both
 *       differences change only steps where n is of order ε.</li>
 * </ul>
 * Weight decay is not part of the updater: it is L2 regularisation on the network's weights (see
 * {@link ResNets}).
 */
public final class Optimizers {

    private Optimizers() {
    }

    /**
     * The updater for SageMaker's {@code optimizer} and its hyperparameters.
     *
     * @param optimizer {@code sgd}, {@code nag}, {@code adam} or {@code rmsprop} (case-insensitive)
     * @param learningRate SageMaker's {@code learning_rate} (before any schedule)
     * @param lrSchedulerStep SageMaker's {@code lr_scheduler_step}, e.g. {@code "10,20"}; null or blank for none
     * @param lrSchedulerFactor SageMaker's {@code lr_scheduler_factor}
     * @param momentum {@code momentum} (sgd, nag)
     * @param beta1 {@code beta_1} (adam)
     * @param beta2 {@code beta_2} (adam)
     * @param eps {@code eps} (adam, rmsprop)
     * @param gamma {@code gamma} (rmsprop)
     * @throws IllegalArgumentException for an unknown optimizer or a malformed schedule
     */
    public static IUpdater updater(String optimizer, double learningRate, String lrSchedulerStep,
            double lrSchedulerFactor, double momentum, double beta1, double beta2, double eps, double gamma) {
        ISchedule lr = learningRateSchedule(learningRate, lrSchedulerStep, lrSchedulerFactor);
        String name = optimizer == null ? "" : optimizer.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "sgd" -> new MxnetSgd(learningRate, lr, momentum);
            case "nag" -> new Nesterovs(lr, momentum);
            case "adam" -> {
                Adam a = new Adam(lr);
                a.setBeta1(beta1);
                a.setBeta2(beta2);
                a.setEpsilon(eps);
                yield a;
            }
            case "rmsprop" -> {
                RmsProp r = new RmsProp(lr);
                r.setRmsDecay(gamma);
                r.setEpsilon(eps);
                yield r;
            }
            default -> throw new IllegalArgumentException(
                    "optimizer '" + optimizer + "' is not one of sgd, adam, rmsprop, nag");
        };
    }

    /**
     * SageMaker's learning-rate schedule as a DL4J epoch schedule: the rate of epoch {@code e}
     * (0-based, DL4J's epoch count) is {@code learningRate · factor^k}, k the number of listed
     * epochs {@code s} with {@code e ≥ s}; so with {@code "10,20"} epochs 0–9 train at the initial
     * rate, 10–19 at {@code ·factor}, 20 on at {@code ·factor²}. This is MXNet's
     * {@code MultiFactorScheduler} over {@code s · batches_per_epoch} updates, as its
     * image-classification {@code fit.py} builds it from epochs.
     *
     * @param learningRate the initial rate
     * @param lrSchedulerStep comma-separated epochs (spaces allowed), strictly increasing positive integers;
     *     null or blank: a fixed rate
     * @param factor the multiplier at each listed epoch
     * @return a {@link MapSchedule} by {@link ScheduleType#EPOCH}, or a {@link FixedSchedule}
     * @throws IllegalArgumentException naming the first entry that is not a positive integer, or not
     *     greater than the one before it
     */
    public static ISchedule learningRateSchedule(double learningRate, String lrSchedulerStep, double factor) {
        List<Integer> steps = parseSteps(lrSchedulerStep);
        if (steps.isEmpty()) {
            return new FixedSchedule(learningRate);
        }
        Map<Integer, Double> values = new TreeMap<>();
        values.put(0, learningRate);
        double lr = learningRate;
        for (int s : steps) {
            lr *= factor;
            values.put(s, lr);
        }
        return new MapSchedule(ScheduleType.EPOCH, values);
    }

    /**
     * Parses {@code lr_scheduler_step}.
     *
     * @return the epochs, increasing; empty for null or blank
     * @throws IllegalArgumentException as {@link #learningRateSchedule}
     */
    public static List<Integer> parseSteps(String lrSchedulerStep) {
        List<Integer> steps = new ArrayList<>();
        if (lrSchedulerStep == null || lrSchedulerStep.isBlank()) {
            return steps;
        }
        for (String part : lrSchedulerStep.split(",", -1)) {
            String p = part.trim();
            int s;
            try {
                s = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("lr_scheduler_step '" + lrSchedulerStep + "': '" + p
                        + "' is not an epoch number; give increasing positive integers such as 10,20");
            }
            if (s < 1 || (!steps.isEmpty() && s <= steps.get(steps.size() - 1))) {
                throw new IllegalArgumentException("lr_scheduler_step '" + lrSchedulerStep + "': " + s
                        + " is not positive and greater than the epoch before it; give increasing positive integers such as 10,20");
            }
            steps.add(s);
        }
        return steps;
    }
}
