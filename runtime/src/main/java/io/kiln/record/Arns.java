package io.kiln.record;

import io.kiln.spi.KilnException;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The Amazon Resource Names Kiln gives its jobs, so that Describe* and List* documents carry the
 * ARNs SageMaker's clients expect ({@code TrainingJobArn}, {@code HyperParameterTuningJobArn},
 * {@code RoleArn}).
 *
 * <p>Kiln runs no AWS service: the region and account are settings ({@value #REGION},
 * {@value #ACCOUNT}), so ARNs look like the account's own would. As SageMaker does, the resource
 * name in an ARN is lower-cased: {@code arn:aws:sagemaker:us-east-1:000000000000:training-job/churn-1}.
 * The partition follows the region ({@code aws-cn} for {@code cn-*}, {@code aws-us-gov} for
 * {@code us-gov-*}, else {@code aws}).
 *
 * @param partition {@code aws}, {@code aws-cn} or {@code aws-us-gov}
 * @param region e.g. {@code us-east-1}
 * @param account twelve digits
 * @param role the RoleArn a job shows when its request named none
 */
public record Arns(String partition, String region, String account, String role) {
  /** Region of the ARNs; default: the S3 signing region ({@code spark.hadoop.fs.s3a.endpoint.region}), else us-east-1. */
  public static final String REGION = "spark.kiln.arn.region";
  public static final String REGION_DEFAULT = "us-east-1";
  /** Account of the ARNs: twelve digits. */
  public static final String ACCOUNT = "spark.kiln.arn.account-id";
  public static final String ACCOUNT_DEFAULT = "000000000000";
  /** RoleArn of jobs whose request names none (a Kiln spec); default {@code arn:<partition>:iam::<account>:role/kiln}. */
  public static final String ROLE = "spark.kiln.arn.role";
  private static final String S3_REGION = "spark.hadoop.fs.s3a.endpoint.region";

  private static final Pattern REGION_PATTERN = Pattern.compile("[a-z0-9-]{1,64}");
  private static final Pattern ACCOUNT_PATTERN = Pattern.compile("[0-9]{12}");
  // SageMaker's RoleArn pattern (service model, shape RoleArn)
  private static final Pattern ROLE_PATTERN = Pattern.compile("arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");

  public Arns {
    if (!REGION_PATTERN.matcher(region).matches()) {
      throw KilnException.user(REGION + " is '" + region + "'; expected an AWS region such as us-east-1 "
          + "(lower-case letters, digits and hyphens)");
    }
    if (!ACCOUNT_PATTERN.matcher(account).matches()) {
      throw KilnException.user(ACCOUNT + " is '" + account + "'; expected a 12-digit AWS account id such as "
          + ACCOUNT_DEFAULT);
    }
    if (role.length() < 20 || role.length() > 2048 || !ROLE_PATTERN.matcher(role).matches()) {
      throw KilnException.user(ROLE + " is '" + role + "'; expected an IAM role ARN such as arn:aws:iam::"
          + account + ":role/kiln");
    }
  }

  /** The defaults: us-east-1, account 000000000000, role {@code kiln}. */
  public static Arns defaults() {
    return from(k -> null);
  }

  /** From settings, e.g. a Spark conf ({@code conf::get} returning null when a key is unset). */
  public static Arns from(Function<String, String> setting) {
    String region = firstNonBlank(setting.apply(REGION), setting.apply(S3_REGION), REGION_DEFAULT).trim();
    String account = firstNonBlank(setting.apply(ACCOUNT), ACCOUNT_DEFAULT).trim();
    String partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    String role = firstNonBlank(setting.apply(ROLE), "arn:" + partition + ":iam::" + account + ":role/kiln").trim();
    return new Arns(partition, region, account, role);
  }

  /** From a map of settings (the CLI's). */
  public static Arns from(Map<String, String> settings) {
    return from(settings::get);
  }

  /** {@code arn:<partition>:sagemaker:<region>:<account>:training-job/<name, lower-cased>}. */
  public String trainingJob(String name) {
    return sagemaker("training-job", name);
  }

  /** {@code arn:<partition>:sagemaker:<region>:<account>:hyper-parameter-tuning-job/<name, lower-cased>}. */
  public String tuningJob(String name) {
    return sagemaker("hyper-parameter-tuning-job", name);
  }

  private String sagemaker(String type, String name) {
    return "arn:" + partition + ":sagemaker:" + region + ":" + account + ":" + type + "/"
        + name.toLowerCase(Locale.ROOT);
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
