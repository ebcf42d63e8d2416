package io.kiln.tuning.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Names trials as SageMaker names a tuning job's training jobs: {@code <tuning-job-name>-<NNN>-<hash>},
 * NNN the 1-based trial number padded to three digits, hash eight lowercase hex digits of a SHA-256
 * of the tuning job name and the number. A valid tuning job name (at most 32 characters) gives a
 * valid TrainingJobName of at most 52 characters, well within 63.
 */
public final class TrialNames {
  private static final int HASH_HEX_DIGITS = 8;

  private TrialNames() {}

  /** The name of trial {@code number} (from 1) of tuning job {@code tuningJobName}. */
  public static String of(String tuningJobName, int number) {
    if (!TuningJobSpec.isName(tuningJobName)) {
      throw new IllegalArgumentException("not a tuning job name: '" + tuningJobName + "'");
    }
    if (number < 1) {
      throw new IllegalArgumentException("trial numbers start at 1, not " + number);
    }
    return tuningJobName + "-" + String.format(Locale.ROOT, "%03d", number) + "-" + hash(tuningJobName, number);
  }

  private static String hash(String tuningJobName, int number) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((tuningJobName + "/" + number).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, HASH_HEX_DIGITS);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
