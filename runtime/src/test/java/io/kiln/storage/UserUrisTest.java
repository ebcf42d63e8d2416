package io.kiln.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages name the URIs users wrote: s3:// where Kiln read through s3a://. */
class UserUrisTest {

  @Test
  void s3aBecomesTheS3TheUserWroteForThatBucket() {
    UserUris u = UserUris.of(List.of("s3://data/train/", "s3://Out-Bucket/models", "file:///tmp/x"));
    assertThat(u.show("Channel 'train': s3a://data/train/part-0.csv line 4: label 3 is ..."))
        .isEqualTo("Channel 'train': s3://data/train/part-0.csv line 4: label 3 is ...");
    assertThat(u.show("Wrote s3a://out-bucket/models/j/output/model.tar.gz from 'S3A://data/x' and s3a://data"))
        .isEqualTo("Wrote s3://out-bucket/models/j/output/model.tar.gz from 's3://data/x' and s3://data");
    // a bucket the user did not name, or named as s3a:// too, keeps its s3a://
    assertThat(u.show("see s3a://other/k")).isEqualTo("see s3a://other/k");
    UserUris both = UserUris.of(List.of("s3://data/train/", "s3a://data/validation/"));
    assertThat(both.show("s3a://data/validation/v.csv")).isEqualTo("s3a://data/validation/v.csv");
    assertThat(UserUris.none().show("s3a://data/x")).isEqualTo("s3a://data/x");
    assertThat(u.show(null)).isNull();
  }
}
