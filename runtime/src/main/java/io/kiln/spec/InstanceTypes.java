package io.kiln.spec;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * SageMaker ML instance types and what a worker of each type gets: vCPUs, memory and GPUs, as AWS
 * publishes them for the underlying EC2 types.
 */
public final class InstanceTypes {

  /**
   * One instance type.
   *
   * @param name e.g. {@code ml.m5.xlarge}
   * @param vcpus virtual CPUs
   * @param memoryGiB memory in GiB
   * @param gpus GPUs (0 for CPU types)
   */
  public record InstanceType(String name, int vcpus, int memoryGiB, int gpus) {
    /**
     * Executor memory for a worker of this type: what is left after the operating system, the JVM's
     * off-heap overhead and native training buffers, about 80 %.
     */
    public String executorMemory() {
      return Math.max(1, (int) Math.floor(memoryGiB * 0.8)) + "g";
    }
  }

  private static final Map<String, InstanceType> TYPES;

  static {
    Map<String, InstanceType> t = new LinkedHashMap<>();
    // general purpose
    family(t, "m4", new String[] {"xlarge", "2xlarge", "4xlarge", "10xlarge", "16xlarge"},
        new int[] {4, 8, 16, 40, 64}, new int[] {16, 32, 64, 160, 256});
    family(t, "m5", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"},
        new int[] {2, 4, 8, 16, 48, 96}, new int[] {8, 16, 32, 64, 192, 384});
    family(t, "m5d", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "12xlarge", "24xlarge"},
        new int[] {2, 4, 8, 16, 48, 96}, new int[] {8, 16, 32, 64, 192, 384});
    family(t, "m6i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "32xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 128}, new int[] {8, 16, 32, 64, 128, 192, 256, 384, 512});
    family(t, "m7i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "48xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 192}, new int[] {8, 16, 32, 64, 128, 192, 256, 384, 768});
    family(t, "t3", new String[] {"medium", "large", "xlarge", "2xlarge"},
        new int[] {2, 2, 4, 8}, new int[] {4, 8, 16, 32});
    // compute optimised
    family(t, "c4", new String[] {"xlarge", "2xlarge", "4xlarge", "8xlarge"},
        new int[] {4, 8, 16, 36}, new int[] {7, 15, 30, 60});
    family(t, "c5", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"},
        new int[] {2, 4, 8, 16, 36, 72}, new int[] {4, 8, 16, 32, 72, 144});
    family(t, "c5n", new String[] {"xlarge", "2xlarge", "4xlarge", "9xlarge", "18xlarge"},
        new int[] {4, 8, 16, 36, 72}, new int[] {10, 21, 42, 96, 192});
    family(t, "c6i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "32xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 128}, new int[] {4, 8, 16, 32, 64, 96, 128, 192, 256});
    family(t, "c7i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "48xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 192}, new int[] {4, 8, 16, 32, 64, 96, 128, 192, 384});
    // memory optimised
    family(t, "r5", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96}, new int[] {16, 32, 64, 128, 256, 384, 512, 768});
    family(t, "r5d", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96}, new int[] {16, 32, 64, 128, 256, 384, 512, 768});
    family(t, "r6i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "32xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 128}, new int[] {16, 32, 64, 128, 256, 384, 512, 768, 1024});
    family(t, "r7i", new String[] {"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge",
            "24xlarge", "48xlarge"},
        new int[] {2, 4, 8, 16, 32, 48, 64, 96, 192}, new int[] {16, 32, 64, 128, 256, 384, 512, 768, 1536});
    // accelerated
    gpu(t, "ml.p2.xlarge", 4, 61, 1);
    gpu(t, "ml.p2.8xlarge", 32, 488, 8);
    gpu(t, "ml.p2.16xlarge", 64, 732, 16);
    gpu(t, "ml.p3.2xlarge", 8, 61, 1);
    gpu(t, "ml.p3.8xlarge", 32, 244, 4);
    gpu(t, "ml.p3.16xlarge", 64, 488, 8);
    gpu(t, "ml.p3dn.24xlarge", 96, 768, 8);
    gpu(t, "ml.p4d.24xlarge", 96, 1152, 8);
    gpu(t, "ml.p4de.24xlarge", 96, 1152, 8);
    gpu(t, "ml.p5.48xlarge", 192, 2048, 8);
    family(t, "g4dn", new String[] {"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"},
        new int[] {4, 8, 16, 32, 48, 64}, new int[] {16, 32, 64, 128, 192, 256}, new int[] {1, 1, 1, 1, 4, 1});
    family(t, "g5", new String[] {"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
            "48xlarge"},
        new int[] {4, 8, 16, 32, 48, 64, 96, 192}, new int[] {16, 32, 64, 128, 192, 256, 384, 768},
        new int[] {1, 1, 1, 1, 4, 1, 4, 8});
    family(t, "g6", new String[] {"xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge",
            "48xlarge"},
        new int[] {4, 8, 16, 32, 48, 64, 96, 192}, new int[] {16, 32, 64, 128, 192, 256, 384, 768},
        new int[] {1, 1, 1, 1, 4, 1, 4, 8});
    TYPES = Collections.unmodifiableMap(t);
  }

  private InstanceTypes() {}

  public static Optional<InstanceType> find(String name) {
    return Optional.ofNullable(name == null ? null : TYPES.get(name));
  }

  public static Map<String, InstanceType> all() {
    return TYPES;
  }

  /**
   * The smallest general-purpose type (ml.m5; ml.p3 when GPUs are asked for) whose worker gets at
   * least {@code cores} vCPUs, {@code memory} of executor memory ({@link InstanceType#executorMemory})
   * and {@code gpus} GPUs; the family's largest when none does. This names a job written without an
   * instance type in SageMaker's terms (its DescribeTrainingJob ResourceConfig).
   *
   * @param cores vCPUs per worker, or null for any
   * @param memory executor memory in Spark's notation ({@code 4g}, {@code 512m}), or null for any
   * @param gpus GPUs per worker
   */
  public static InstanceType fitting(Integer cores, String memory, int gpus) {
    String family = gpus > 0 ? "ml.p3." : "ml.m5.";
    double memoryGiB = memory == null ? 0 : gibibytes(memory);
    InstanceType largest = null;
    for (InstanceType t : TYPES.values()) {
      if (!t.name().startsWith(family)) {
        continue;
      }
      largest = t;
      double executorGiB = Double.parseDouble(t.executorMemory().replace("g", ""));
      if ((cores == null || t.vcpus() >= cores) && executorGiB >= memoryGiB && t.gpus() >= gpus) {
        return t;
      }
    }
    return largest;
  }

  /** {@code 4g}, {@code 512m}, {@code 1t}, {@code 1048576k} or bytes, in GiB. */
  private static double gibibytes(String size) {
    String s = size.trim().toLowerCase(java.util.Locale.ROOT);
    char unit = s.charAt(s.length() - 1);
    double n = Character.isDigit(unit) ? Double.parseDouble(s) : Double.parseDouble(s.substring(0, s.length() - 1));
    return switch (unit) {
      case 't' -> n * 1024;
      case 'g' -> n;
      case 'm' -> n / 1024;
      case 'k' -> n / (1024 * 1024);
      default -> n / (1024.0 * 1024 * 1024);
    };
  }

  private static void family(Map<String, InstanceType> t, String family, String[] sizes, int[] vcpus, int[] mem) {
    family(t, family, sizes, vcpus, mem, new int[sizes.length]);
  }

  private static void family(
      Map<String, InstanceType> t, String family, String[] sizes, int[] vcpus, int[] mem, int[] gpus) {
    for (int i = 0; i < sizes.length; i++) {
      String name = "ml." + family + "." + sizes[i];
      t.put(name, new InstanceType(name, vcpus[i], mem[i], gpus[i]));
    }
  }

  private static void gpu(Map<String, InstanceType> t, String name, int vcpus, int mem, int gpus) {
    t.put(name, new InstanceType(name, vcpus, mem, gpus));
  }
}
