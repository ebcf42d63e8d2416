package io.kiln.algorithms.vision.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageListTest {
  private static final String NAME = "s3://bucket/train_lst/train.lst";

  private static List<ImageList.Entry> parse(String text, int numClasses, boolean multiLabel) {
    return ImageList.parse(NAME, new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), numClasses, multiLabel);
  }

  private static void assertUserError(String text, int numClasses, boolean multiLabel, String... fragments) {
    assertThatThrownBy(() -> parse(text, numClasses, multiLabel))
        .isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).contains(NAME).doesNotContain("\n");
          for (String fragment : fragments) {
            assertThat(e.getMessage()).contains(fragment);
          }
        });
  }

  @Test
  void parsesSingleLabelLinesSkippingBlankOnesAndCarriageReturns() {
    List<ImageList.Entry> entries = parse("0\t3\tcat/a.jpg\r\n\n  \n17\t1.000000\tdog/sub dir/b.png\n", 5, false);
    assertThat(entries).hasSize(2);
    assertThat(entries.get(0).index()).isEqualTo(0);
    assertThat(entries.get(0).labels()).containsExactly(3f);
    assertThat(entries.get(0).path()).isEqualTo("cat/a.jpg");
    assertThat(entries.get(0).line()).isEqualTo(1);
    assertThat(entries.get(1).index()).isEqualTo(17);
    assertThat(entries.get(1).labels()).containsExactly(1f);
    assertThat(entries.get(1).path()).isEqualTo("dog/sub dir/b.png");
    assertThat(entries.get(1).line()).isEqualTo(4);
  }

  @Test
  void parsesMultiLabelOneHotColumns() {
    List<ImageList.Entry> entries = parse("5\t1\t0\t1\t0\timages/a.jpg\n6\t0\t0\t0\t1\timages/b.jpg\n", 4, true);
    assertThat(entries.get(0).labels()).containsExactly(1f, 0f, 1f, 0f);
    assertThat(entries.get(1).labels()).containsExactly(0f, 0f, 0f, 1f);
    assertThat(ImageList.labelColumns(4, true)).isEqualTo(4);
    assertThat(ImageList.labelColumns(4, false)).isEqualTo(1);
  }

  @Test
  void emptyListHasNoEntries() {
    assertThat(parse("\n\n", 2, false)).isEmpty();
  }

  @Test
  void tooFewFieldsNamesTheLineAndTabs() {
    assertUserError("0\t1\ta.jpg\n1 1 b.jpg\n", 2, false, "line 2", "1 tab-separated field", "with tabs");
    assertUserError("0\ta.jpg\n", 2, false, "line 1", "2 tab-separated fields");
  }

  @Test
  void nonNumericIndexOrLabel() {
    assertUserError("x\t1\ta.jpg\n", 2, false, "line 1", "index 'x' is not an integer");
    assertUserError("0\tcat\ta.jpg\n", 2, false, "line 1", "label 1 'cat' is not a number");
    assertUserError("0\tNaN\ta.jpg\n", 2, false, "label 1 'NaN' is not a number");
  }

  @Test
  void labelOutsideTheClassesOrFractional() {
    assertUserError("0\t2\ta.jpg\n", 2, false, "class label 2 is not an integer in [0, 2)", "num_classes=2");
    assertUserError("0\t0.5\ta.jpg\n", 2, false, "class label 0.5");
    assertUserError("0\t-1\ta.jpg\n", 2, false, "class label -1");
  }

  @Test
  void wrongNumberOfLabelsForTheJob() {
    assertUserError("0\t1\t0\ta.jpg\n", 2, false, "line 1", "2 label columns but the job expects 1", "multi_label=1");
    assertUserError("0\t1\t0\ta.jpg\n", 3, true, "2 label columns but the job expects 3", "num_classes=3");
    assertUserError("0\t1\t2\ta.jpg\n", 2, true, "label 2 is 2.0", "0 or 1 per class");
  }

  @Test
  void recordLabelsAreCheckedTheSameWay() {
    ImageList.checkLabels("r.rec @ byte 0", new float[] {2f}, 3, false);
    ImageList.checkLabels("r.rec @ byte 0", new float[] {0f, 1f, 1f}, 3, true);
    assertThatThrownBy(() -> ImageList.checkLabels("r.rec @ byte 96", new float[] {3f}, 3, false))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.getMessage())
            .startsWith("r.rec @ byte 96: the class label 3 is not an integer in [0, 3)"));
    assertThatThrownBy(() -> ImageList.checkLabels("r.rec @ byte 96", new float[] {1f, 0f}, 3, true))
        .isInstanceOfSatisfying(KilnException.class, e -> assertThat(e.getMessage())
            .startsWith("r.rec @ byte 96 has 2 labels but the job expects 3"));
  }

  @Test
  void pathsThatCouldEscapeTheChannelAreRefused() {
    assertUserError("0\t1\t/etc/passwd\n", 2, false, "line 1", "'/etc/passwd' is absolute");
    assertUserError("0\t1\t../other/a.jpg\n", 2, false, "'..' segment", "inside the image channel");
    assertUserError("0\t1\tcat/../../a.jpg\n", 2, false, "'..' segment");
    assertUserError("0\t1\t./a.jpg\n", 2, false, "'.' segment");
    assertUserError("0\t1\tcat//a.jpg\n", 2, false, "empty segment");
    assertUserError("0\t1\tcat\\a.jpg\n", 2, false, "backslash", "'/' separators");
    assertUserError("0\t1\t\n", 2, false, "image path (last column) is empty");
  }
}
