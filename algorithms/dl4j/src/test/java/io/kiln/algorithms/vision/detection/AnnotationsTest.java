package io.kiln.algorithms.vision.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiln.algorithms.vision.detection.Annotations.Annotation;
import io.kiln.algorithms.vision.detection.Annotations.Box;
import io.kiln.algorithms.vision.images.ImageRecordIo;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Ground truth from SageMaker's JSON, Pascal VOC XML and MXNet's detection list / RecordIO labels:
 * pixel boxes to normalised corners, and one user error per problem naming the file and field.
 */
class AnnotationsTest {
  private static final String NAME = "s3://b/train_annotation/sample_image1.json";

  /** SageMaker's documented example (Object Detection Algorithm page, "Train with the Image Format"). */
  private static final String EXAMPLE = """
      {
         "file": "your_image_directory/sample_image1.jpg",
         "image_size": [{"width": 500, "height": 400, "depth": 3}],
         "annotations": [
            {"class_id": 0, "left": 111, "top": 134, "width": 61, "height": 128},
            {"class_id": 0, "left": 161, "top": 250, "width": 79, "height": 143},
            {"class_id": 1, "left": 101, "top": 185, "width": 42, "height": 130}
         ],
         "categories": [{"class_id": 0, "name": "dog"}, {"class_id": 1, "name": "cat"}]
      }""";

  private static Annotation json(String text) {
    return Annotations.read(NAME, text.getBytes(StandardCharsets.UTF_8), 2, 350, Map.of());
  }

  private static void refused(String message, ThrowingCallable call) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).isEqualTo(message);
    });
  }

  private static void refusedJson(String message, String text) {
    refused("Annotation " + NAME + message, () -> json(text));
  }

  @Test
  void sageMakersExampleBecomesNormalisedCorners() {
    Annotation a = json(EXAMPLE);
    assertThat(a.file()).isEqualTo("your_image_directory/sample_image1.jpg");
    assertThat(a.width()).isEqualTo(500);
    assertThat(a.height()).isEqualTo(400);
    assertThat(a.categories()).containsExactly(Map.entry(0, "dog"), Map.entry(1, "cat"));
    assertThat(a.boxes()).containsExactly(
        new Box(0, 111f / 500, 134f / 400, 172f / 500, 262f / 400, false),
        new Box(0, 161f / 500, 250f / 400, 240f / 500, 393f / 400, false),
        new Box(1, 101f / 500, 185f / 400, 143f / 500, 315f / 400, false));
    // categories are optional; an image may have no objects; a box may touch the image's edges
    Annotation edge = json("{\"file\": \"a.png\", \"image_size\": [{\"width\": 10, \"height\": 20}], \"annotations\":"
        + " [{\"class_id\": 1, \"left\": 0, \"top\": 0, \"width\": 10, \"height\": 20.0}], \"extra\": 1}");
    assertThat(edge.boxes()).containsExactly(new Box(1, 0, 0, 1, 1, false));
    assertThat(edge.categories()).isEmpty();
    assertThat(json("{\"file\": \"a.png\", \"image_size\": [{\"width\": 10, \"height\": 20}], \"annotations\": []}")
        .boxes()).isEmpty();
    // the decoded image must have the annotated size
    Annotations.checkImageSize(a, "s3://b/train/your_image_directory/sample_image1.jpg", 500, 400);
    refused("Annotation " + NAME + " gives the image size 500x400 (width x height) but image s3://b/train/x.jpg is "
        + "400x500; write the image's real size in the annotation (its boxes are in pixels of that size)",
        () -> Annotations.checkImageSize(a, "s3://b/train/x.jpg", 400, 500));
    Annotations.checkImageSize(new Annotation("t.lst line 1", "x.jpg", 0, 0, List.of(), Map.of()), "x", 7, 9);
  }

  @Test
  void badJsonNamesTheFileAndField() {
    String size = "\"image_size\": [{\"width\": 100, \"height\": 50}]";
    assertThatThrownBy(() -> json("{\"file\": 3")).isInstanceOfSatisfying(KilnException.class, e -> {
      assertThat(e.type()).isEqualTo(ErrorType.USER);
      assertThat(e.getMessage()).startsWith("Annotation " + NAME + " is not valid JSON (line 1, column 11): Unexpected "
          + "end-of-input").endsWith("; write one JSON object per image as SageMaker's Object Detection documents it")
          .contains("(opened at line 1, column 1)").doesNotContain("Source").doesNotContain("\n");
    });
    refusedJson(" is not a JSON object; expected {\"file\": ..., \"image_size\": [...], \"annotations\": [...]} as "
        + "SageMaker's Object Detection documents it", "[1, 2]");
    refusedJson(" has no \"file\" field; set \"file\" to the image's path relative to the image channel, e.g. "
        + "\"images/img1.jpg\"", "{" + size + ", \"annotations\": []}");
    refusedJson(" field \"file\" '../other/a.jpg' has a '..' segment; the image must be inside the image channel, "
        + "named relative to it, without '.' or '..'", "{\"file\": \"../other/a.jpg\", " + size + ", \"annotations\": []}");
    refusedJson(" field \"file\" '/etc/passwd' is absolute; write it relative to the image channel",
        "{\"file\": \"/etc/passwd\", " + size + ", \"annotations\": []}");
    refusedJson(" field \"file\" 'a//b.jpg' has an empty segment ('//' or a trailing '/'); the image must be inside "
        + "the image channel, named relative to it, without '.' or '..'",
        "{\"file\": \"a//b.jpg\", " + size + ", \"annotations\": []}");
    refusedJson(" field \"file\" 'a\\b.jpg' contains a backslash; write paths relative to the image channel with '/' "
        + "separators", "{\"file\": \"a\\\\b.jpg\", " + size + ", \"annotations\": []}");
    refusedJson(" has no \"image_size\" field; write \"image_size\": [{\"width\": W, \"height\": H, \"depth\": 3}] "
        + "with the image's size in pixels", "{\"file\": \"a.jpg\", \"annotations\": []}");
    refusedJson(": image_size[0].width is not a whole number >= 1 (0); give the image's width in pixels",
        "{\"file\": \"a.jpg\", \"image_size\": [{\"width\": 0, \"height\": 5}], \"annotations\": []}");
    refusedJson(": image_size[0].depth is 4; expected 1 (gray) or 3 (colour)",
        "{\"file\": \"a.jpg\", \"image_size\": [{\"width\": 3, \"height\": 5, \"depth\": 4}], \"annotations\": []}");
    refusedJson(" has no \"annotations\" field; write \"annotations\": [{\"class_id\": 0, \"left\": x, \"top\": y, "
        + "\"width\": w, \"height\": h}, ...] (an empty list for an image without objects)",
        "{\"file\": \"a.jpg\", " + size + "}");
    String box = "{\"file\": \"a.jpg\", " + size + ", \"annotations\": [{\"class_id\": 0, \"left\": 1, \"top\": 1, "
        + "\"width\": 2, \"height\": 2}, %s]}";
    refusedJson(": annotations[1].class_id 2 is outside [0, 2) (num_classes=2); number the classes from 0 or raise "
        + "num_classes", box.formatted("{\"class_id\": 2, \"left\": 1, \"top\": 1, \"width\": 2, \"height\": 2}"));
    refusedJson(": annotations[1].class_id is not a whole number (\"1\"); give the class as a whole number from 0 to "
        + "num_classes - 1 (1)", box.formatted("{\"class_id\": \"1\", \"left\": 1, \"top\": 1, \"width\": 2, \"height\": 2}"));
    refusedJson(": annotations[1].class_id is missing; give the class as a whole number from 0 to num_classes - 1 (1)",
        box.formatted("{\"left\": 1, \"top\": 1, \"width\": 2, \"height\": 2}"));
    refusedJson(": annotations[1].top is missing; give each box left, top, width and height in pixels",
        box.formatted("{\"class_id\": 1, \"left\": 1, \"width\": 2, \"height\": 2}"));
    refusedJson(": annotations[1] is an empty box (width 0, height 2); width and height must be positive pixel counts",
        box.formatted("{\"class_id\": 1, \"left\": 1, \"top\": 1, \"width\": 0, \"height\": 2}"));
    refusedJson(": annotations[1] (left 90, top 10, width 20.5, height 5) reaches outside the 100x50 image "
        + "(image_size); keep 0 <= left, 0 <= top, left + width <= 100 and top + height <= 50",
        box.formatted("{\"class_id\": 1, \"left\": 90, \"top\": 10, \"width\": 20.5, \"height\": 5}"));
    refusedJson(": annotations[1] (left -1, top 10, width 2, height 5) reaches outside the 100x50 image (image_size); "
        + "keep 0 <= left, 0 <= top, left + width <= 100 and top + height <= 50",
        box.formatted("{\"class_id\": 1, \"left\": -1, \"top\": 10, \"width\": 2, \"height\": 5}"));
    refusedJson(": categories[1].class_id 0 is listed twice in \"categories\"; give each class id one name",
        "{\"file\": \"a.jpg\", " + size + ", \"annotations\": [], \"categories\": [{\"class_id\": 0, \"name\": \"a\"}, "
            + "{\"class_id\": 0, \"name\": \"b\"}]}");
    // label_width: 2 + 5 per object must fit
    refused("Annotation " + NAME + " has 3 objects, a label of 17 values (2 + 5 per object), more than label_width=16; "
        + "raise label_width to at least 17", () -> Annotations.read(NAME, EXAMPLE.getBytes(StandardCharsets.UTF_8), 2,
            16, Map.of()));
    refused("Annotation s3://b/x/a.txt is neither a .json (SageMaker's annotation format) nor an .xml (Pascal VOC) "
        + "file; put only .json or .xml annotations in the annotation channel",
        () -> Annotations.read("s3://b/x/a.txt", new byte[0], 2, 350, Map.of()));
  }

  private static final String VOC = """
      <annotation>
        <folder>VOC2007</folder>
        <filename>JPEGImages/000005.jpg</filename>
        <size><width>500</width><height>375</height><depth>3</depth></size>
        <object><name>chair</name><pose>Rear</pose><truncated>0</truncated><difficult>0</difficult>
          <bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox></object>
        <object><name>person</name><difficult>1</difficult>
          <bndbox><xmin>5</xmin><ymin>0</ymin><xmax>500</xmax><ymax>375</ymax></bndbox></object>
        <object><name>bottle</name>
          <bndbox><xmin>10.5</xmin><ymin>20</ymin><xmax>30</xmax><ymax>40</ymax></bndbox></object>
      </annotation>""";

  @Test
  void pascalVocWithSortedClassNamesAndDifficultBoxes() {
    byte[] xml = VOC.getBytes(StandardCharsets.UTF_8);
    List<String> names = Annotations.vocClassNames("a.xml", xml);
    assertThat(names).containsExactly("chair", "person", "bottle");
    Map<String, Integer> ids = Annotations.classIds(List.of("person", "chair", "bottle", "chair"), 3);
    assertThat(ids).containsExactly(Map.entry("bottle", 0), Map.entry("chair", 1), Map.entry("person", 2));
    Annotation a = Annotations.read("s3://b/ann/000005.xml", xml, 3, 350, ids);
    assertThat(a.file()).isEqualTo("JPEGImages/000005.jpg");
    assertThat(a.boxes()).containsExactly(
        new Box(1, 263f / 500, 211f / 375, 324f / 500, 339f / 375, false),
        new Box(2, 5f / 500, 0, 1, 1, true),
        new Box(0, 10.5f / 500, 20f / 375, 30f / 500, 40f / 375, false));
    assertThat(a.categories()).containsExactly(Map.entry(0, "bottle"), Map.entry(1, "chair"), Map.entry(2, "person"));
    // numeric names are the ids themselves
    assertThat(Annotations.classIds(List.of("2", "0"), 3)).containsEntry("2", 2).containsEntry("0", 0);
    refused("The Pascal VOC annotations name 3 classes (bottle, chair, person) but num_classes=2; raise num_classes "
        + "to 3 or relabel the objects", () -> Annotations.classIds(names, 2));
    refused("Annotation s3://b/ann/000005.xml: object[1]/name 'person' is not one of the classes bottle, chair; fix "
        + "the name", () -> Annotations.read("s3://b/ann/000005.xml", xml, 3, 350, Map.of("bottle", 0, "chair", 1)));
    refused("Annotation s3://b/ann/000005.xml has 3 objects, a label of 20 values (2 + 6 per object), more than "
        + "label_width=19; raise label_width to at least 20",
        () -> Annotations.read("s3://b/ann/000005.xml", xml, 3, 19, ids));
  }

  @Test
  void badVocNamesTheFileAndElement() {
    Map<String, Integer> ids = Map.of("a", 0);
    String head = "<annotation><filename>x.jpg</filename><size><width>10</width><height>10</height></size>";
    refused("Annotation v.xml: object[0]/bndbox (xmin 2, ymin 3, xmax 11, ymax 4) reaches outside the 10x10 image "
        + "(size); keep 0 <= xmin, 0 <= ymin, xmax <= 10 and ymax <= 10", () -> voc(head
            + "<object><name>a</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>11</xmax><ymax>4</ymax></bndbox></object>"
            + "</annotation>", ids));
    refused("Annotation v.xml: object[0]/bndbox (xmin 2, ymin 3, xmax 2, ymax 4) is an empty box; xmax must exceed "
        + "xmin and ymax ymin", () -> voc(head + "<object><name>a</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>2"
            + "</xmax><ymax>4</ymax></bndbox></object></annotation>", ids));
    refused("Annotation v.xml has no <object[0]/bndbox> element; add <bndbox><xmin>..</xmin><ymin>..</ymin><xmax>.."
        + "</xmax><ymax>..</ymax></bndbox>", () -> voc(head + "<object><name>a</name></object></annotation>", ids));
    refused("Annotation v.xml: <object[0]/bndbox/ymax> is 'x', not a number; give pixels", () -> voc(head
        + "<object><name>a</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>5</xmax><ymax>x</ymax></bndbox></object>"
        + "</annotation>", ids));
    refused("Annotation v.xml: object[0]/difficult is 'yes'; write 0 or 1", () -> voc(head
        + "<object><name>a</name><difficult>yes</difficult></object></annotation>", ids));
    refused("Annotation v.xml has no <size> element; add <size><width>W</width><height>H</height></size>",
        () -> voc("<annotation><filename>x.jpg</filename></annotation>", ids));
    refused("Annotation v.xml element <filename> '../x.jpg' has a '..' segment; the image must be inside the image "
        + "channel, named relative to it, without '.' or '..'",
        () -> voc("<annotation><filename>../x.jpg</filename></annotation>", ids));
    refused("Annotation v.xml: the root element is <doc>, not <annotation>; write a Pascal VOC annotation",
        () -> voc("<doc/>", ids));
    // external entities are never resolved: a DOCTYPE is refused
    assertThatThrownBy(() -> voc("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        + "<annotation><filename>&x;</filename></annotation>", ids)).isInstanceOfSatisfying(KilnException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.USER);
          assertThat(e.getMessage()).startsWith("Annotation v.xml is not valid XML (line 1, column ")
              .contains("DOCTYPE").endsWith("; write a Pascal VOC <annotation> document (no DOCTYPE)");
        });
    assertThatThrownBy(() -> voc("<annotation><filename>", ids)).isInstanceOfSatisfying(KilnException.class,
        e -> assertThat(e.getMessage()).startsWith("Annotation v.xml is not valid XML (line 1, column "));
  }

  private static Annotation voc(String xml, Map<String, Integer> ids) {
    return Annotations.read("v.xml", xml.getBytes(StandardCharsets.UTF_8), 2, 350, ids);
  }

  @Test
  void mxnetDetectionListAndRecordLabels() {
    String lst = "0\t2\t5\t1\t0.1\t0.2\t0.5\t0.6\t0\t0.0\t0.0\t1.0\t1.0\timages/a.jpg\n"
        + "\n"
        + "1\t4\t6\t640\t480\t2.000000\t0.25\t0.25\t0.75\t0.75\t1.000000\t-1\t-1\t-1\t-1\t-1\t-1\timages/b.png\r\n";
    List<Annotation> list = Annotations.parseList("s3://b/train_lst/t.lst",
        new ByteArrayInputStream(lst.getBytes(StandardCharsets.UTF_8)), 3, 350);
    assertThat(list).hasSize(2);
    assertThat(list.get(0).file()).isEqualTo("images/a.jpg");
    assertThat(list.get(0).source()).isEqualTo("image list s3://b/train_lst/t.lst line 1");
    assertThat(list.get(0).boxes()).containsExactly(new Box(1, 0.1f, 0.2f, 0.5f, 0.6f, false),
        new Box(0, 0, 0, 1, 1, false));
    // a 4-value header (GluonCV's, with width and height), difficult flags, a -1 padding row
    assertThat(list.get(1).boxes()).containsExactly(new Box(2, 0.25f, 0.25f, 0.75f, 0.75f, true));
    assertThat(list.get(1).file()).isEqualTo("images/b.png");

    String where = "image list s3://b/train_lst/t.lst line 1";
    String layout = "; MXNet's detection label is [header width A >= 2, object width B >= 5, A-2 more header values, "
        + "then per object class, xmin, ymin, xmax, ymax(, difficult)] with coordinates in [0, 1]";
    refusedList(where + ": object 0 has class 3, not a whole number in [0, 3) (num_classes=3); number the classes "
        + "from 0 or raise num_classes", "0\t2\t5\t3\t0.1\t0.2\t0.5\t0.6\ta.jpg");
    refusedList(where + ": object 0 (xmin 0.1, ymin 0.2, xmax 1.5, ymax 0.6) reaches outside the image; coordinates are "
        + "fractions of the image's width and height, in [0, 1]", "0\t2\t5\t1\t0.1\t0.2\t1.5\t0.6\ta.jpg");
    refusedList(where + ": object 0 (xmin 0.5, ymin 0.2, xmax 0.5, ymax 0.6) is an empty box; xmax must exceed xmin "
        + "and ymax ymin", "0\t2\t5\t1\t0.5\t0.2\t0.5\t0.6\ta.jpg");
    refusedList(where + ": after the 2 header values, 4 values are not whole objects of 5" + layout,
        "0\t2\t5\t1\t0.1\t0.2\t0.5\ta.jpg");
    refusedList(where + ": the object width 4 is not a whole number >= 5" + layout, "0\t2\t4\t1\t0.1\t0.2\t0.5\ta.jpg");
    refusedList(where + ": column 5 'x' is not a number; the columns between the index and the path are the label's "
        + "numbers", "0\t2\t5\t1\tx\t0.2\t0.5\t0.6\ta.jpg");
    refusedList(where + " image path (last column) '../a.jpg' has a '..' segment; the image must be inside the image "
        + "channel, named relative to it, without '.' or '..'", "0\t2\t5\t1\t0.1\t0.2\t0.5\t0.6\t../a.jpg");
    refusedList(where + " has 3 tab-separated fields; expected index<TAB>header width<TAB>object width<TAB>[header "
        + "values<TAB>]class<TAB>xmin<TAB>ymin<TAB>xmax<TAB>ymax<TAB>...<TAB>relative/path: separate the columns with "
        + "tabs", "0\t2\ta.jpg");
    refused(where + ": the label has 7 values, more than label_width=6; raise label_width to at least 7",
        () -> Annotations.parseList("s3://b/train_lst/t.lst", new ByteArrayInputStream(
            "0\t2\t5\t1\t0.1\t0.2\t0.5\t0.6\ta.jpg".getBytes(StandardCharsets.UTF_8)), 3, 6));

    // RecordIO: the record's labels are the same packed label; messages name the object and byte offset
    ImageRecordIo.Record record = new ImageRecordIo.Record(new float[] {2, 6, 1, 0.1f, 0.2f, 0.3f, 0.4f, 0},
        7, 0, new byte[0], 4096);
    Annotation fromRecord = Annotations.fromRecord("s3://b/train/t.rec", record, 3, 350);
    assertThat(fromRecord.file()).isNull();
    assertThat(fromRecord.source()).isEqualTo("s3://b/train/t.rec @ byte 4096");
    assertThat(fromRecord.boxes()).containsExactly(new Box(1, 0.1f, 0.2f, 0.3f, 0.4f, false));
    refused("record s3://b/train/t.rec @ byte 4096: the header width 9 is not a whole number from 2 to the label's "
        + "length (3)" + layout, () -> Annotations.fromRecord("s3://b/train/t.rec",
            new ImageRecordIo.Record(new float[] {9, 5, 0}, 0, 0, new byte[0], 4096), 3, 350));
  }

  private static void refusedList(String message, String line) {
    refused(message, () -> Annotations.parseList("s3://b/train_lst/t.lst",
        new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)), 3, 350));
  }
}
