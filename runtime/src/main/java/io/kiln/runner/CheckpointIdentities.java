package io.kiln.runner;

import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.CheckpointIdentity;
import io.kiln.spi.DataObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Works out a job's {@link CheckpointIdentity}, once per listing of its channels. */
final class CheckpointIdentities {
  private CheckpointIdentities() {}

  /**
   * The identity of {@code spec} on the listed {@code channels}: the algorithm's Kiln name, the
   * hyperparameters without {@code resourceHyperparameter}, and a SHA-256 over each channel's name,
   * content type (with parameters), distribution, compression and objects (URI and size), and an
   * augmented manifest's AttributeNames, in the spec's channel order.
   */
  static CheckpointIdentity of(TrainingJobSpec spec, String algorithm, Optional<String> resourceHyperparameter,
      Map<String, ChannelData> channels) {
    Map<String, String> hp = new LinkedHashMap<>(spec.hyperparameters());
    resourceHyperparameter.ifPresent(hp::remove);
    MessageDigest d;
    try {
      d = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (ChannelData c : channels.values()) {
      update(d, "channel", c.name(), c.contentType().mime(), c.contentTypeParameters().toString(),
          c.distribution().name(), Boolean.toString(c.gzip()));
      for (DataObject o : c.objects()) {
        update(d, o.uri(), Long.toString(o.size()));
      }
      if (c.augmentedManifest()) { // what the algorithm reads of the manifest (other channels' fingerprints unchanged)
        update(d, "attributes", String.join("\u0000", c.attributeNames()));
      }
    }
    return new CheckpointIdentity(algorithm, hp, HexFormat.of().formatHex(d.digest()));
  }

  private static void update(MessageDigest d, String... parts) {
    for (String p : parts) {
      d.update(p.getBytes(StandardCharsets.UTF_8));
      d.update((byte) 0);
    }
  }
}
