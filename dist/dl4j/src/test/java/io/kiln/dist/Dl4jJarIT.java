package io.kiln.dist;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.testing.SharedData;
import io.kiln.testing.TestSpark;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln-dl4j.jar} as users add it beside {@code kiln.jar}: its classes meet none of kiln.jar's
 * or a stock Spark 3.5.7's (the jars {@code dist/spark-distribution} pins), every library in it but
 * Deeplearning4j, ND4J, javacpp and JNA is relocated, and an Image Classification job runs through
 * the real {@code SparkSubmit} on those jars ({@code --jars kiln-dl4j.jar kiln.jar train ...}), so
 * ND4J's natives load from the shaded jar (javacpp extracts them from it at run time).
 */
@Tag("spark")
class Dl4jJarIT {
  /**
   * Packages kept under their own names: Kiln's; DL4J, ND4J, javacpp and JNA, whose natives are bound to
   * their names (JNI) or found beside them; and the TensorFlow and ONNX message classes ND4J generates
   * into its {@code org.nd4j:protobuf} jar (on ND4J's relocated protobuf, {@code org.nd4j.shade.protobuf}).
   */
  static final List<String> UNRELOCATED = List.of("io/kiln/", "org/nd4j/", "org/deeplearning4j/",
      "org/eclipse/deeplearning4j/", "org/bytedeco/", "com/sun/jna/", "org/tensorflow/", "tensorflow/", "onnx/");
  static Path sparkHome;
  static Path kilnJar;
  static Path dl4jJar;
  static Path work;

  @BeforeAll
  static void paths() {
    sparkHome = Paths.get(System.getProperty("kiln.spark.home"));
    kilnJar = Paths.get(System.getProperty("kiln.jar"));
    dl4jJar = Paths.get(System.getProperty("kiln.dl4j.jar"));
    assertThat(sparkHome.resolve("jars/spark-core_2.12-3.5.7.jar")).as("the Spark distribution folder").exists();
    assertThat(kilnJar).exists();
    assertThat(dl4jJar).exists();
    work = TestSpark.tempDir("kiln-dl4j-jar-");
  }

  static Set<String> classes(Path jar) throws IOException {
    Set<String> out = new HashSet<>();
    try (ZipFile z = new ZipFile(jar.toFile())) {
      for (ZipEntry e : Collections.list(z.entries())) {
        if (e.getName().endsWith(".class")) {
          out.add(e.getName());
        }
      }
    }
    return out;
  }

  @Test
  void theJarRelocatesItsLibrariesAndSharesNoClassWithKilnJarOrSpark() throws IOException {
    Set<String> dl4j = classes(dl4jJar);
    assertThat(dl4j).contains("io/kiln/algorithms/vision/classification/ImageClassificationAlgorithm.class",
        "org/nd4j/linalg/cpu/nativecpu/CpuBackend.class", "org/bytedeco/javacpp/Loader.class",
        "io/kiln/shaded/com/google/gson/Gson.class");
    try (ZipFile z = new ZipFile(dl4jJar.toFile())) {
      // the oneDNN build only (Nd4jNatives selects it in the submitted job's JVMs)
      assertThat(z.getEntry("org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64-onednn/libnd4jcpu.so")).isNotNull();
      assertThat(z.getEntry("org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64/libnd4jcpu.so")).isNull();
      assertThat(z.getEntry("org/bytedeco/openblas/linux-x86_64/libopenblas.so.0")).isNotNull();
      assertThat(new String(z.getInputStream(z.getEntry("META-INF/services/io.kiln.spi.Algorithm")).readAllBytes(),
          StandardCharsets.UTF_8)).contains("io.kiln.algorithms.vision.classification.ImageClassificationAlgorithm");
    }
    assertThat(dl4j.stream().filter(n -> UNRELOCATED.stream().noneMatch(n::startsWith)).toList())
        .as("classes of libraries left under their own names").isEmpty();
    Set<String> kiln = classes(kilnJar);
    assertThat(dl4j.stream().filter(kiln::contains).toList()).as("classes kiln.jar has too").isEmpty();
    assertThat(kiln.stream().filter(n -> n.startsWith("org/nd4j/") || n.startsWith("org/bytedeco/")).toList())
        .as("ND4J in kiln.jar").isEmpty();
    List<String> inSpark = new ArrayList<>();
    try (var jars = Files.list(sparkHome.resolve("jars"))) {
      for (Path j : (Iterable<Path>) jars::iterator) {
        for (String c : classes(j)) {
          if (dl4j.contains(c)) {
            inSpark.add(j.getFileName() + "!" + c);
          }
        }
      }
    }
    assertThat(inSpark).as("classes of kiln-dl4j.jar a stock Spark 3.5.7 has too").isEmpty();
  }

  @Test
  void anImageClassificationJobTrainsThroughSparkSubmitWithTheJarAdded() throws Exception {
    // 200 of the digit images as PNG files, classes in a .lst, on the local file system
    Path data = Files.createDirectories(work.resolve("data"));
    Path train = Files.createDirectories(data.resolve("train"));
    Path lst = Files.createDirectories(data.resolve("train_lst"));
    List<String> rows = SharedData.digits().subList(0, 200);
    StringBuilder list = new StringBuilder();
    for (int i = 0; i < rows.size(); i++) {
      String[] f = rows.get(i).split(",");
      BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
      for (int p = 0; p < 64; p++) {
        img.getRaster().setSample(p % 8, p / 8, 0, Math.round(Double.parseDouble(f[p + 1]) * 255 / 16));
      }
      ByteArrayOutputStream png = new ByteArrayOutputStream();
      ImageIO.write(img, "png", png);
      String name = String.format("img-%04d.png", i);
      Files.write(train.resolve(name), png.toByteArray());
      list.append(i).append('\t').append((int) Double.parseDouble(f[0])).append("\t").append(name).append('\n');
    }
    Files.writeString(lst.resolve("train.lst"), list);
    Path spec = work.resolve("ic.json");
    Path output = work.resolve("output");
    Files.writeString(spec, """
        {"name": "ic-submit", "algorithm": "image-classification",
         "hyperparameters": {"num_classes": "10", "num_training_samples": "200", "num_layers": "20",
                             "image_shape": "1,8,8", "epochs": "1", "mini_batch_size": "32"},
         "channels": [{"name": "train", "uri": "%s", "contentType": "application/x-image"},
                      {"name": "train_lst", "uri": "%s", "contentType": "application/x-image"}],
         "outputPath": "%s", "resources": {"workers": 1}}
        """.formatted(train.toUri(), lst.toUri(), output.toUri()));

    List<String> launcher = new ArrayList<>(List.of(java(), "-Xmx128m", "-cp", sparkHome.resolve("jars") + "/*",
        "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit",
        "--master", "local[2]", "--deploy-mode", "client", "--jars", dl4jJar.toString(),
        "--class", "io.kiln.cli.Kiln", "--conf", "spark.kiln.job-root=" + work.resolve("jobs").toUri(),
        "--conf", "spark.ui.enabled=false", "--driver-memory", "1g",
        kilnJar.toString(), "train", spec.toString(), "--quiet"));
    ProcessBuilder lb = new ProcessBuilder(launcher).directory(work.toFile());
    environment(lb.environment());
    Process l = lb.redirectError(ProcessBuilder.Redirect.INHERIT).start();
    byte[] printed = l.getInputStream().readAllBytes();
    assertThat(l.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(l.exitValue()).isZero();
    Path out = work.resolve("stdout.txt");
    Path err = work.resolve("stderr.txt");
    ProcessBuilder db = new ProcessBuilder(driverCommand(printed)).directory(work.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    environment(db.environment());
    Process driver = db.start();
    if (!driver.waitFor(300, TimeUnit.SECONDS)) {
      driver.descendants().forEach(ProcessHandle::destroyForcibly);
      driver.destroyForcibly();
      throw new AssertionError("spark-submit did not end within 300 s");
    }
    String stdout = Files.readString(out);
    List<String> errLines = Files.readString(err).lines().filter(s -> !s.contains(" INFO ")).toList();
    String described = "exit " + driver.exitValue() + "\nstdout:\n" + stdout + "\nstderr (no INFO):\n"
        + String.join("\n", errLines.subList(Math.max(0, errLines.size() - 80), errLines.size()));
    assertThat(driver.exitValue()).as(described).isZero();
    assertThat(stdout).as(described).contains("ic-submit Completed");
    assertThat(output.resolve("ic-submit/output/model.tar.gz")).as(described).exists();
  }

  /** The command Spark's launcher printed: what follows the first NUL + newline, split at NULs. */
  static List<String> driverCommand(byte[] printed) {
    int start = -1;
    for (int i = 0; i + 1 < printed.length; i++) {
      if (printed[i] == 0 && printed[i + 1] == '\n') {
        start = i + 2;
        break;
      }
    }
    assertThat(start).as("Spark's launcher printed no command").isPositive();
    List<String> command = new ArrayList<>();
    ByteArrayOutputStream arg = new ByteArrayOutputStream();
    for (int i = start; i < printed.length; i++) {
      if (printed[i] == 0) {
        command.add(arg.toString(StandardCharsets.UTF_8));
        arg.reset();
      } else {
        arg.write(printed[i]);
      }
    }
    return command;
  }

  /** A stock environment: SPARK_HOME at the distribution, nothing of Kiln's. */
  static void environment(Map<String, String> env) {
    env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("KILN_") || k.startsWith("AWS_")
        || k.startsWith("HADOOP_") || k.equals("CLASSPATH"));
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
  }

  static String java() {
    return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  }
}
