package io.kiln.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.DataObject;
import io.kiln.spi.S3DataType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A checkpoint's record of the data it was trained on. */
class CheckpointIdentitiesTest {
  private static final TrainingJobSpec SPEC = SpecReader.readTrainingJob("""
      {"name": "ids", "algorithm": "access-levels", "channels": [{"name": "labelled", "uri": "s3://b/l.jsonl",
       "dataType": "AugmentedManifestFile", "attributeNames": ["source-ref", "class"]}], "outputPath": "s3://b/o/"}
      """, "test");

  private static String fingerprint(List<String> attributeNames) {
    ChannelData labelled = new ChannelData("labelled", "s3://b/l.jsonl", ContentType.of("application/x-image",
        ContentType.Split.OBJECTS), DataDistribution.FullyReplicated, false, List.of(new DataObject("s3a://b/l.jsonl",
        120)), Map.of(), S3DataType.AugmentedManifestFile, attributeNames);
    return CheckpointIdentities.of(SPEC, "access-levels", Optional.empty(), Map.of("labelled", labelled))
        .dataFingerprint();
  }

  @Test
  void theAttributesReadOfAnAugmentedManifestArePartOfTheDataFingerprint() {
    assertThat(fingerprint(List.of("source-ref", "class"))).isEqualTo(fingerprint(List.of("source-ref", "class")));
    assertThat(fingerprint(List.of("source-ref", "class"))).isNotEqualTo(fingerprint(List.of("class", "source-ref")))
        .isNotEqualTo(fingerprint(List.of("source-ref")));
  }
}
