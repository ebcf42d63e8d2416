package io.kiln.record;

import io.kiln.storage.Store;
import io.kiln.storage.Uris;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may drive a job: taking a job over ({@code kiln train --resume}) claims the next lease epoch,
 * and two drivers that claim the same epoch cannot both win.
 *
 * <p>Where the filesystem has an exclusive create (local, HDFS), the claim is one: the file
 * {@code lease/epoch-N} is created by exactly one claimant. On object stores, which have none here,
 * each claimant writes {@code lease/epoch-N-<owner>}, waits for writes to settle, lists the claims of
 * epoch N, and the smallest owner wins; S3 lists what was written before, so every claimant sees the
 * same claims and picks the same winner.
 */
public final class Lease {
  static final long SETTLE_MILLIS = 2_000;

  private Lease() {}

  /** Claims {@code epoch} for {@code owner}; true when this owner won. */
  public static boolean claim(Store store, String jobDirectory, int epoch, String owner) {
    String dir = jobDirectory + "lease/";
    byte[] body = owner.getBytes(StandardCharsets.UTF_8);
    if (!Uris.isObjectStore(dir)) {
      return store.createIfAbsent(dir + "epoch-" + epoch, body);
    }
    String prefix = "epoch-" + epoch + "-";
    store.write(dir + prefix + owner, body);
    try {
      Thread.sleep(SETTLE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    List<String> owners = new ArrayList<>();
    for (Store.Entry s : store.list(dir)) {
      String name = s.name();
      if (name.startsWith(prefix)) {
        owners.add(name.substring(prefix.length()));
      }
    }
    owners.sort(String::compareTo);
    return !owners.isEmpty() && owners.get(0).equals(owner);
  }
}
