package io.kiln.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SageMaker instance table: vCPUs, memory and GPUs as AWS publishes them. */
class InstanceTypesTest {

  @ParameterizedTest
  @ValueSource(strings = {"m5", "c5", "r5", "m6i", "c6i", "r6i", "p3", "g4dn", "g5", "p4d"})
  void knowsTheCommonFamilies(String family) {
    assertThat(InstanceTypes.all().keySet()).anyMatch(name -> name.startsWith("ml." + family + "."));
  }

  @ParameterizedTest(name = "{0}: {1} vCPU, {2} GiB, {3} GPU")
  @CsvSource({
      "ml.m5.large,       2,    8, 0",
      "ml.m5.xlarge,      4,   16, 0",
      "ml.m5.24xlarge,   96,  384, 0",
      "ml.c5.xlarge,      4,    8, 0",
      "ml.c5.9xlarge,    36,   72, 0",
      "ml.c5.18xlarge,   72,  144, 0",
      "ml.r5.large,       2,   16, 0",
      "ml.r5.24xlarge,   96,  768, 0",
      "ml.m6i.32xlarge, 128,  512, 0",
      "ml.c6i.32xlarge, 128,  256, 0",
      "ml.r6i.32xlarge, 128, 1024, 0",
      "ml.p3.2xlarge,     8,   61, 1",
      "ml.p3.8xlarge,    32,  244, 4",
      "ml.p3.16xlarge,   64,  488, 8",
      "ml.p3dn.24xlarge, 96,  768, 8",
      "ml.p4d.24xlarge,  96, 1152, 8",
      "ml.g4dn.xlarge,    4,   16, 1",
      "ml.g4dn.12xlarge, 48,  192, 4",
      "ml.g4dn.16xlarge, 64,  256, 1",
      "ml.g5.xlarge,      4,   16, 1",
      "ml.g5.12xlarge,   48,  192, 4",
      "ml.g5.48xlarge,  192,  768, 8",
      "ml.p5.48xlarge,  192, 2048, 8",
  })
  void publishesAwsSizes(String name, int vcpus, int memoryGiB, int gpus) {
    assertThat(InstanceTypes.find(name)).contains(new InstanceTypes.InstanceType(name, vcpus, memoryGiB, gpus));
  }

  @ParameterizedTest
  @CsvSource({"ml.m5.xlarge, 12g", "ml.m5.large, 6g", "ml.c5.large, 3g", "ml.p3.16xlarge, 390g", "ml.g5.12xlarge, 153g"})
  void executorMemoryIsEightyPercentRoundedDown(String name, String memory) {
    assertThat(InstanceTypes.find(name).orElseThrow().executorMemory()).isEqualTo(memory);
  }

  @Test
  void executorMemoryIsAtLeastOneGigabyte() {
    assertThat(new InstanceTypes.InstanceType("ml.tiny", 1, 1, 0).executorMemory()).isEqualTo("1g");
  }

  @Test
  void everyTypeIsNamedByItsKeyAndHasResources() {
    assertThat(InstanceTypes.all()).hasSizeGreaterThan(100);
    InstanceTypes.all().forEach((name, type) -> {
      assertThat(type.name()).isEqualTo(name);
      assertThat(name).matches("ml\\.[a-z0-9]+\\.[0-9]*(medium|large|xlarge)");
      assertThat(type.vcpus()).as(name).isPositive();
      assertThat(type.memoryGiB()).as(name).isGreaterThanOrEqualTo(type.vcpus());
      assertThat(type.gpus()).as(name).isNotNegative();
    });
  }

  @Test
  void cpuFamiliesHaveNoGpus() {
    assertThat(InstanceTypes.all().values())
        .filteredOn(t -> t.name().matches("ml\\.(m|c|r|t)[0-9].*"))
        .allSatisfy(t -> assertThat(t.gpus()).as(t.name()).isZero());
  }

  @Test
  void unknownNamesAreNotFound() {
    assertThat(InstanceTypes.find("ml.m5.huge")).isEmpty();
    assertThat(InstanceTypes.find("m5.xlarge")).isEmpty();
    assertThat(InstanceTypes.find(null)).isEmpty();
  }

  @Test
  void theTableCannotBeChanged() {
    assertThatThrownBy(() -> InstanceTypes.all().remove("ml.m5.xlarge"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
