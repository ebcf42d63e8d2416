package io.kiln.spi;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which job wrote a checkpoint: its algorithm, its hyperparameters except the one that measures
 * training effort (rounds, epochs: a tuning continuation trains the same model further), and a
 * fingerprint of its input data. A checkpoint is restored only into a job with the same identity, so
 * a reused checkpoint location never hands one job another job's model.
 *
 * @param algorithm the algorithm's Kiln name, e.g. {@code xgboost}
 * @param hyperparameters the hyperparameters as written, without the resource one
 * @param dataFingerprint SHA-256 (hex) over every channel's name, content type, distribution and
 *     objects (URI and size), in order
 */
public record CheckpointIdentity(String algorithm, Map<String, String> hyperparameters, String dataFingerprint)
    implements Serializable {
  public CheckpointIdentity {
    hyperparameters = java.util.Collections.unmodifiableMap(new TreeMap<>(hyperparameters));
  }

  /**
   * What differs between the job that wrote a checkpoint ({@code this}) and {@code job}, for the
   * log, e.g. {@code "hyperparameter max_depth is 6 there, 3 in this job; different input data"};
   * empty when the two are equal.
   */
  public String differences(CheckpointIdentity job) {
    List<String> out = new ArrayList<>();
    if (!algorithm.equals(job.algorithm)) {
      out.add("algorithm is " + algorithm + " there, " + job.algorithm + " in this job");
    }
    TreeMap<String, String> keys = new TreeMap<>(hyperparameters);
    keys.putAll(job.hyperparameters);
    for (String k : keys.keySet()) {
      String there = hyperparameters.get(k);
      String here = job.hyperparameters.get(k);
      if (there == null ? here != null : !there.equals(here)) {
        out.add("hyperparameter " + k + " is " + (there == null ? "not set" : there) + " there, "
            + (here == null ? "not set" : here) + " in this job");
      }
    }
    if (!dataFingerprint.equals(job.dataFingerprint)) {
      out.add("different input data");
    }
    return String.join("; ", out);
  }
}
