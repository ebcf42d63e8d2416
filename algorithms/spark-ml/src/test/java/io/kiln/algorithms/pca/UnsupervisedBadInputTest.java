package io.kiln.algorithms.pca;

import static io.kiln.algorithms.pca.SageMakerJobs.hp;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiln.record.TrainingJobStatus;
import io.kiln.runner.JobResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Bad input to K-Means and PCA ends the job Failed with one ClientError line naming the channel, the
 * value or the file and line, and the fix.
 */
@Tag("spark")
@Tag("s3")
class UnsupervisedBadInputTest {
  static final String KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1";

  static void failsWith(JobResult r, String... fragments) {
    assertThat(r.status()).isEqualTo(TrainingJobStatus.Failed);
    assertThat(r.failureReason()).startsWith("ClientError: ").contains(fragments).doesNotContain("\n");
    assertThat(r.modelArtifacts()).isNull();
  }

  @Test
  void rowsWithoutALabelUnderPlainTextCsvAreOneFeatureShortAndTheMessageSaysLabelSize() {
    // plain text/csv means label_size=1 (SageMaker's rule): 3 columns are a label and 2 features
    JobResult r = SageMakerJobs.get().run("pca-no-label", PcaReferenceTest.IMAGE,
        hp("feature_dim", "3", "num_components", "2", "mini_batch_size", "10"),
        Map.of("train", SageMakerJobs.csv("text/csv", List.of("1,2,3", "4,5,6", "7,8,10", "1,1,1"))));
    failsWith(r, "Channel 'train' has rows of 2 features, but feature_dim=3", "text/csv;label_size=0");
  }

  @Test
  void aMissingFeatureNamesTheObjectAndLine() {
    JobResult r = SageMakerJobs.get().run("km-missing", KMEANS, hp("k", "2", "feature_dim", "2"),
        Map.of("train", SageMakerJobs.csv("text/csv;label_size=0", List.of("1,2", "3,4", "5,", "6,7"))));
    failsWith(r, "data.csv line 3", "feature 2 is missing");
  }

  @Test
  void fewerRowsThanClustersIsRefused() {
    JobResult r = SageMakerJobs.get().run("km-few", KMEANS, hp("k", "5", "feature_dim", "2"),
        Map.of("train", SageMakerJobs.csv("text/csv;label_size=0", List.of("1,2", "3,4", "5,6"))));
    failsWith(r, "Channel 'train' has 3 rows, fewer than k=5");
  }
}
