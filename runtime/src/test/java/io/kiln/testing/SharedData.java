package io.kiln.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The small real datasets of {@code ../shared/data} (scikit-learn's copies of the UCI sets), read as
 * rows with the label first, SageMaker's CSV convention. Where the repository has no
 * {@code ../shared} beside it, the same files come from Debian's python3-sklearn, which the test
 * command installs.
 */
public final class SharedData {
  static final String SKLEARN_DATA = "/usr/lib/python3/dist-packages/sklearn/datasets/data";

  private SharedData() {}

  public static Path directory() {
    String root = System.getProperty("kiln.repo.root", ".");
    for (Path p = Paths.get(root).toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolveSibling("shared").resolve("data");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      candidate = p.resolve("shared").resolve("data");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    Path sklearn = Paths.get(SKLEARN_DATA);
    if (Files.isDirectory(sklearn)) {
      return sklearn;
    }
    throw new IllegalStateException("../shared/data not found from " + root + ", nor " + SKLEARN_DATA
        + " (apt-get install -y python3-sklearn)");
  }

  /** breast_cancer.csv: 569 rows, label (0 malignant, 1 benign) first, then 30 features. */
  public static List<String> breastCancer() {
    return labelFirst("breast_cancer.csv", true);
  }

  /** iris.csv: 150 rows, class label 0-2 first, then 4 features. */
  public static List<String> iris() {
    return labelFirst("iris.csv", true);
  }

  /** wine_data.csv: 178 rows, class 0-2 first, 13 features. */
  public static List<String> wine() {
    return labelFirst("wine_data.csv", true);
  }

  /**
   * diabetes_data_raw.csv.gz with diabetes_target.csv.gz: 442 rows, the disease progression (25 to 346)
   * first, then 10 features (scikit-learn's unscaled copy).
   */
  public static List<String> diabetes() {
    List<String> features = read("diabetes_data_raw.csv.gz").stream().filter(l -> !l.isBlank()).toList();
    List<String> target = read("diabetes_target.csv.gz").stream().filter(l -> !l.isBlank()).toList();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < features.size(); i++) {
      out.add(Double.toString(Double.parseDouble(target.get(i).trim())) + ","
          + String.join(",", features.get(i).trim().split("\\s+")));
    }
    return out;
  }

  /** digits.csv.gz: 1797 rows, class 0-9 first, 64 features. */
  public static List<String> digits() {
    return labelFirst("digits.csv.gz", false);
  }

  private static List<String> labelFirst(String file, boolean header) {
    List<String> out = new ArrayList<>();
    List<String> lines = read(file);
    for (int i = header ? 1 : 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      int last = line.lastIndexOf(',');
      out.add(line.substring(last + 1) + "," + line.substring(0, last));
    }
    return out;
  }

  private static List<String> read(String file) {
    Path p = directory().resolve(file);
    try (InputStream raw = Files.newInputStream(p);
        InputStream in = file.endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return List.of(b.toString(StandardCharsets.UTF_8).split("\n"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes lines to a local file and returns its URI. */
  public static String writeLocal(Path dir, String name, List<String> lines) {
    try {
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      Files.writeString(f, String.join("\n", lines) + "\n");
      return f.toUri().toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
