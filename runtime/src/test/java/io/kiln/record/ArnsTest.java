package io.kiln.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.KilnException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArnsTest {
  @Test
  void defaultsNameAnAccountOfZerosInUsEast1AndLowerCaseTheName() {
    Arns a = Arns.defaults();
    assertThat(a.trainingJob("Churn-1")).isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:training-job/churn-1");
    assertThat(a.tuningJob("Tune-A"))
        .isEqualTo("arn:aws:sagemaker:us-east-1:000000000000:hyper-parameter-tuning-job/tune-a");
    assertThat(a.role()).isEqualTo("arn:aws:iam::000000000000:role/kiln");
  }

  @Test
  void regionAndAccountComeFromTheSettingsAndThePartitionFollowsTheRegion() {
    Arns a = Arns.from(Map.of(Arns.REGION, "eu-west-1", Arns.ACCOUNT, "123456789012"));
    assertThat(a.trainingJob("j")).isEqualTo("arn:aws:sagemaker:eu-west-1:123456789012:training-job/j");
    assertThat(a.role()).isEqualTo("arn:aws:iam::123456789012:role/kiln");
    assertThat(Arns.from(Map.of(Arns.REGION, "cn-north-1")).trainingJob("j")).startsWith("arn:aws-cn:sagemaker:cn-north-1:");
    assertThat(Arns.from(Map.of(Arns.REGION, "us-gov-west-1")).role()).startsWith("arn:aws-us-gov:iam::");
    // without its own setting the region is the S3 signing region the CLI maps AWS_REGION onto
    assertThat(Arns.from(Map.of("spark.hadoop.fs.s3a.endpoint.region", "ap-south-1")).region()).isEqualTo("ap-south-1");
    assertThat(Arns.from(Map.of(Arns.ROLE, "arn:aws:iam::111122223333:role/Train")).role())
        .isEqualTo("arn:aws:iam::111122223333:role/Train");
  }

  @Test
  void aMalformedSettingIsAUserErrorNamingTheKey() {
    assertThatThrownBy(() -> Arns.from(Map.of(Arns.ACCOUNT, "1234"))).isInstanceOf(KilnException.class)
        .hasMessageContaining("spark.kiln.arn.account-id is '1234'; expected a 12-digit AWS account id");
    assertThatThrownBy(() -> Arns.from(Map.of(Arns.REGION, "EU West"))).hasMessageContaining("spark.kiln.arn.region");
    assertThatThrownBy(() -> Arns.from(Map.of(Arns.ROLE, "kiln"))).hasMessageContaining("spark.kiln.arn.role is 'kiln'");
  }
}
