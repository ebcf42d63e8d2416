package io.kiln.algorithms.vision.nets;

import java.util.Map;
import java.util.Objects;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * MXNet's {@code SGD} optimizer (classical heavy-ball momentum) as a DL4J updater: SageMaker's Image
 * Classification {@code optimizer=sgd}.
 *
 * <p>Formula (MXNet {@code optimizer.py} {@code SGD.update} / the {@code sgd_mom_update} operator),
 * with {@code g} the gradient after DL4J's L2 regularisation (MXNet's {@code grad + wd·weight}),
 * {@code lr} the learning rate of this iteration/epoch and {@code μ} the momentum:
 * <pre>
 *   mom    = μ·mom − lr·g
 *   weight = weight + mom
 * </pre>
 * and with {@code μ = 0} plain {@code weight −= lr·g}. DL4J applies an update as
 * {@code params −= update}, so {@link GradientUpdater#applyUpdater} turns the gradient into
 * {@code −mom}. Unlike DL4J's {@code Sgd} (no momentum) and {@code Nesterovs} (Nesterov's
 * look-ahead), the learning rate multiplies the gradient inside the momentum buffer, as MXNet's
 * does, so a learning-rate step scales only the gradients that follow it.
 *
 * <p>State: one momentum value per parameter ({@code stateSize(n) = n}, none when μ = 0), kept in
 * DL4J's flattened updater-state view (key {@code "M"}), so it is saved with the network's updater
 * state and is identical on every worker that applies the same (all-reduced) gradients.
 * Serialised in DL4J's JSON configuration by its bean properties.
 */
public final class MxnetSgd implements IUpdater {

    private static final long serialVersionUID = 1L;
    /** The key of the momentum buffer in {@link GradientUpdater#getState()}. */
    public static final String MOMENTUM_STATE = "M";

    private double learningRate;
    private ISchedule learningRateSchedule;
    private double momentum;

    /** For DL4J's JSON deserialisation: learning rate 0.1, momentum 0.9 (SageMaker's defaults). */
    public MxnetSgd() {
        this(0.1, null, 0.9);
    }

    /**
     * @param learningRate the learning rate when {@code learningRateSchedule} is null
     * @param learningRateSchedule the learning rate per iteration/epoch, or null for a fixed one
     * @param momentum μ in [0, 1)
     * @throws IllegalArgumentException for a momentum outside [0, 1) or a negative learning rate
     */
    public MxnetSgd(double learningRate, ISchedule learningRateSchedule, double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum " + momentum + " must be in [0, 1)");
        }
        if (!(learningRate >= 0)) {
            throw new IllegalArgumentException("learning rate " + learningRate + " must be ≥ 0");
        }
        this.learningRate = learningRate;
        this.learningRateSchedule = learningRateSchedule;
        this.momentum = momentum;
    }

    @Override
    public long stateSize(long numParams) {
        return momentum == 0 ? 0 : numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        long[] shape = viewArray == null ? null : viewArray.shape();
        if (momentum != 0) {
            u.setStateViewArray(viewArray, shape, viewArray.ordering(), initializeViewArray);
        }
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public MxnetSgd clone() {
        return new MxnetSgd(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    /** @return the fixed learning rate (used when there is no schedule) */
    public double getLearningRate() {
        return learningRate;
    }

    /** @param learningRate the fixed learning rate (bean property for JSON) */
    public void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    /** @return the learning-rate schedule, or null */
    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    /** @param learningRateSchedule the learning-rate schedule, or null (bean property for JSON) */
    public void setLearningRateSchedule(ISchedule learningRateSchedule) {
        this.learningRateSchedule = learningRateSchedule;
    }

    /** @return μ */
    public double getMomentum() {
        return momentum;
    }

    /** @param momentum μ (bean property for JSON) */
    public void setMomentum(double momentum) {
        this.momentum = momentum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MxnetSgd s && s.learningRate == learningRate && s.momentum == momentum
                && Objects.equals(s.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, momentum, learningRateSchedule);
    }

    @Override
    public String toString() {
        return "MxnetSgd(learningRate=" + learningRate + ", schedule=" + learningRateSchedule + ", momentum=" + momentum + ")";
    }

    /** The per-block state and step of {@link MxnetSgd}. */
    static final class Updater implements GradientUpdater<MxnetSgd> {
        private final MxnetSgd config;
        private INDArray mom;

        Updater(MxnetSgd config) {
            this.config = config;
        }

        @Override
        public MxnetSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
            if (config.momentum == 0) {
                return;
            }
            if (stateMap == null || !stateMap.containsKey(MOMENTUM_STATE) || stateMap.size() != 1) {
                throw new IllegalStateException("MxnetSgd's state must hold exactly the key \"" + MOMENTUM_STATE
                        + "\"; got " + (stateMap == null ? null : stateMap.keySet()));
            }
            mom = stateMap.get(MOMENTUM_STATE);
            if (initialize) {
                mom.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return mom == null ? Map.of() : Map.of(MOMENTUM_STATE, mom);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
            if (initialize) {
                viewArray.assign(0);
            }
            mom = viewArray.reshape(gradientOrder, gradientShape);
        }

        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            double lr = config.getLearningRate(iteration, epoch);
            gradient.muli(lr);
            if (config.momentum == 0) {
                return;
            }
            if (mom == null) {
                throw new IllegalStateException("MxnetSgd with momentum " + config.momentum + " has no state view");
            }
            // mom = μ·mom − lr·g; update (subtracted by DL4J) = −mom
            mom.muli(config.momentum).subi(gradient);
            gradient.assign(mom).negi();
        }
    }
}
