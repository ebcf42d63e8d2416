package io.kiln.algorithms.vision.detection;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.algorithms.vision.images.ImageRecordIo;
import io.kiln.spi.KilnException;
import io.kiln.spi.Messages;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * Reads the ground truth of SageMaker Object Detection's inputs into boxes with corners normalised to
 * [0, 1] of the image's width and height. Four forms:
 *
 * <ol>
 *   <li><b>SageMaker's JSON</b> ({@code train_annotation} / {@code validation_annotation} channels, one
 *       {@code .json} per image; the format of SageMaker's "Object Detection Algorithm" page, "Train with
 *       the Image Format"): {@code {"file": "dir/img.jpg", "image_size": [{"width": W, "height": H,
 *       "depth": 3}], "annotations": [{"class_id": 0, "left": x, "top": y, "width": w, "height": h}],
 *       "categories": [{"class_id": 0, "name": "dog"}]}}. {@code file} is the image's path relative to
 *       the image channel ({@code train} / {@code validation}); {@code left}/{@code top} are the box's
 *       upper-left corner and {@code width}/{@code height} its size, in pixels of the original image,
 *       origin at its upper-left corner: the box is {@code [left/W, top/H, (left+width)/W,
 *       (top+height)/H]}. {@code categories} is optional. An image without objects
 *       ({@code "annotations": []}) is accepted (all background). Other fields are ignored.</li>
 *   <li><b>Pascal VOC XML</b> (an {@code .xml} in the same channels): {@code <annotation>
 *       <filename>} (path relative to the image channel) {@code <size><width><height><depth>},
 *       {@code <object><name><difficult><bndbox><xmin><ymin><xmax><ymax>}. Coordinates are divided by
 *       the width and height as they stand (MXNet's SSD example {@code pascal_voc.py}, no 1-pixel
 *       shift). Class names become ids by {@link #classIds(Collection, int)}: names that are all whole
 *       numbers {@code 0..num_classes-1} are the ids themselves; otherwise the distinct names of the
 *       channels, sorted (Java {@code String} order), are numbered from 0. {@code <difficult>1} marks a
 *       box VOC's evaluation ignores ({@link MeanAveragePrecision}).</li>
 *   <li><b>MXNet's detection list</b> ({@code .lst} for {@code im2rec}, as MXNet's SSD example
 *       {@code tools/prepare_dataset.py} writes it): {@code index<TAB>A<TAB>B<TAB>[A-2 more header
 *       values<TAB>]objects...<TAB>relative/path}, with {@code A >= 2} header values (2 in MXNet's
 *       example; 4 with the image's width and height in GluonCV's) and {@code B >= 5} values per object,
 *       {@code [class, xmin, ymin, xmax, ymax(, difficult)(, ...)]} already normalised to [0, 1].</li>
 *   <li><b>MXNet's detection RecordIO</b> ({@code application/x-recordio}): records whose labels
 *       ({@code IRHeader.flag} floats, {@link ImageRecordIo}) are the same {@code [A, B, ..., objects]}
 *       as a list line's.</li>
 * </ol>
 * In the MXNet forms an object row of all {@code -1} is padding and skipped. The label's length
 * ({@code 2 + 5} per object for JSON, {@code 2 + 6} for VOC, as written for list and RecordIO) must fit
 * {@code label_width}.
 *
 * <p>Every problem is a USER {@link KilnException} whose one-line message names the annotation
 * object (or list line, or record's byte offset), the field, and the fix: malformed JSON or XML (with
 * line and column), a missing or mistyped field, a class id outside {@code [0, num_classes)}, a box
 * that is empty or reaches outside the image, an image path that is absolute or would leave the
 * image channel ({@code ..}, {@code .}, empty segments, backslashes), a label longer than
 * {@code label_width}. XML is parsed with DTDs and external entities disabled.
 */
public final class Annotations {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private Annotations() {}

  /**
   * One ground-truth box.
   *
   * @param classId the class, in {@code [0, num_classes)}
   * @param xmin left edge, a fraction of the image's width in [0, 1]
   * @param ymin top edge, a fraction of the image's height in [0, 1]
   * @param xmax right edge, greater than xmin, at most 1
   * @param ymax bottom edge, greater than ymin, at most 1
   * @param difficult VOC's "difficult" flag: ignored by {@link MeanAveragePrecision}
   */
  public record Box(int classId, float xmin, float ymin, float xmax, float ymax, boolean difficult)
      implements Serializable {
    /** Box width as a fraction of the image's width. */
    public float width() {
      return xmax - xmin;
    }

    /** Box height as a fraction of the image's height. */
    public float height() {
      return ymax - ymin;
    }
  }

  /**
   * One image's ground truth.
   *
   * @param source where it was read: the annotation object, {@code list line N}, or {@code object @ byte N}
   * @param file the image's path relative to the image channel, or null for an image inside a RecordIO
   *     record
   * @param width the image's width in pixels as annotated, or 0 when the form does not give it (MXNet's)
   * @param height the image's height in pixels as annotated, or 0 when not given
   * @param boxes the objects, in the order written
   * @param categories class id to name from the JSON's {@code categories} or VOC's names; empty when
   *     none are given
   */
  public record Annotation(String source, String file, int width, int height, List<Box> boxes,
      Map<Integer, String> categories) implements Serializable {}

  /**
   * Reads one annotation object by its name's ending: {@code .json} (SageMaker's JSON) or {@code .xml}
   * (Pascal VOC), case-insensitive.
   *
   * @param objectName the object's name for messages, e.g. its S3 URI
   * @param content the object's bytes (UTF-8)
   * @param numClasses {@code num_classes}
   * @param labelWidth {@code label_width}
   * @param vocClassIds class name to id for VOC files ({@link #classIds}); unused for JSON
   */
  public static Annotation read(String objectName, byte[] content, int numClasses, int labelWidth,
      Map<String, Integer> vocClassIds) {
    String lower = objectName.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".json")) {
      return parseJson(objectName, content, numClasses, labelWidth);
    }
    if (lower.endsWith(".xml")) {
      return parseVoc(objectName, content, numClasses, labelWidth, vocClassIds);
    }
    throw KilnException.user("Annotation " + objectName + " is neither a .json (SageMaker's annotation format) nor"
        + " an .xml (Pascal VOC) file; put only .json or .xml annotations in the annotation channel");
  }

  // ---------------------------------------------------------------- SageMaker JSON

  /**
   * Parses SageMaker's JSON annotation of one image (see the class comment).
   *
   * @throws KilnException USER naming the object and the field at fault
   */
  public static Annotation parseJson(String objectName, byte[] content, int numClasses, int labelWidth) {
    String where = "Annotation " + objectName;
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw KilnException.user(where + " is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr()
          + ", column " + at.getColumnNr() + ")") + ": " + jsonProblem(e.getOriginalMessage())
          + "; write one JSON object per image as SageMaker's Object Detection documents it");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) {
      throw KilnException.user(where + " is not a JSON object; expected {\"file\": ..., \"image_size\": [...],"
          + " \"annotations\": [...]} as SageMaker's Object Detection documents it");
    }
    JsonNode fileNode = root.get("file");
    if (fileNode == null || !fileNode.isTextual()) {
      throw KilnException.user(where + (fileNode == null ? " has no \"file\" field" : ": \"file\" is not a string")
          + "; set \"file\" to the image's path relative to the image channel, e.g. \"images/img1.jpg\"");
    }
    String file = fileNode.asText();
    checkPath(where + " field \"file\"", file);
    JsonNode sizes = root.get("image_size");
    if (sizes == null || !sizes.isArray() || sizes.isEmpty() || !sizes.get(0).isObject()) {
      throw KilnException.user(where + (sizes == null ? " has no \"image_size\" field" : ": \"image_size\" is not "
          + "a list holding an object") + "; write \"image_size\": [{\"width\": W, \"height\": H, \"depth\": 3}] with "
          + "the image's size in pixels");
    }
    JsonNode size = sizes.get(0);
    int width = positiveInt(where, size, "width", "image_size[0].width", "the image's width in pixels");
    int height = positiveInt(where, size, "height", "image_size[0].height", "the image's height in pixels");
    if (size.has("depth")) {
      int depth = positiveInt(where, size, "depth", "image_size[0].depth", "1 (gray) or 3 (colour)");
      if (depth != 1 && depth != 3) {
        throw KilnException.user(where + ": image_size[0].depth is " + depth + "; expected 1 (gray) or 3 (colour)");
      }
    }
    Map<Integer, String> categories = new TreeMap<>();
    JsonNode cats = root.get("categories");
    if (cats != null && !cats.isNull()) {
      if (!cats.isArray()) {
        throw KilnException.user(where + ": \"categories\" is not a list; write [{\"class_id\": 0, \"name\": \"dog\"}, "
            + "...] or leave it out");
      }
      for (int i = 0; i < cats.size(); i++) {
        JsonNode c = cats.get(i);
        String field = "categories[" + i + "]";
        if (!c.isObject()) {
          throw KilnException.user(where + ": " + field + " is not an object; write {\"class_id\": 0, \"name\": \"dog\"}");
        }
        int id = classId(where, c, field, numClasses);
        JsonNode name = c.get("name");
        if (name == null || !name.isTextual()) {
          throw KilnException.user(where + ": " + field + ".name is " + (name == null ? "missing" : "not a string")
              + "; give each category a name, e.g. \"dog\"");
        }
        if (categories.put(id, name.asText()) != null) {
          throw KilnException.user(where + ": " + field + ".class_id " + id + " is listed twice in \"categories\"; "
              + "give each class id one name");
        }
      }
    }
    JsonNode anns = root.get("annotations");
    if (anns == null || !anns.isArray()) {
      throw KilnException.user(where + (anns == null ? " has no \"annotations\" field" : ": \"annotations\" is not a "
          + "list") + "; write \"annotations\": [{\"class_id\": 0, \"left\": x, \"top\": y, \"width\": w, \"height\": h},"
          + " ...] (an empty list for an image without objects)");
    }
    List<Box> boxes = new ArrayList<>(anns.size());
    for (int i = 0; i < anns.size(); i++) {
      JsonNode a = anns.get(i);
      String field = "annotations[" + i + "]";
      if (!a.isObject()) {
        throw KilnException.user(where + ": " + field + " is not an object; write {\"class_id\": 0, \"left\": x, "
            + "\"top\": y, \"width\": w, \"height\": h}");
      }
      int id = classId(where, a, field, numClasses);
      double left = number(where, a, "left", field);
      double top = number(where, a, "top", field);
      double w = number(where, a, "width", field);
      double h = number(where, a, "height", field);
      if (!(w > 0) || !(h > 0)) {
        throw KilnException.user(where + ": " + field + " is an empty box (width " + fmt(w) + ", height " + fmt(h)
            + "); width and height must be positive pixel counts");
      }
      if (left < 0 || top < 0 || left + w > width || top + h > height) {
        throw KilnException.user(where + ": " + field + " (left " + fmt(left) + ", top " + fmt(top) + ", width "
            + fmt(w) + ", height " + fmt(h) + ") reaches outside the " + width + "x" + height + " image (image_size);"
            + " keep 0 <= left, 0 <= top, left + width <= " + width + " and top + height <= " + height);
      }
      boxes.add(new Box(id, (float) (left / width), (float) (top / height), (float) ((left + w) / width),
          (float) ((top + h) / height), false));
    }
    checkLabelWidth(where, boxes.size(), 5, labelWidth);
    return new Annotation(objectName, file, width, height, Collections.unmodifiableList(boxes),
        Collections.unmodifiableMap(categories));
  }

  /** Jackson's message without its echo of the document ("[Source: ...]"), on one line. */
  private static String jsonProblem(String message) {
    String m = message == null ? "malformed" : message.replaceAll(
        "\\(start marker at \\[Source: .*?; line: (\\d+), column: (\\d+)\\]\\)", "(opened at line $1, column $2)");
    return Messages.echo(Messages.oneLine(m));
  }

  /**
   * Checks that an image has the size its annotation gives ({@code image_size} or VOC's {@code <size>});
   * nothing to check for the MXNet forms (width and height 0), whose boxes are already normalised.
   *
   * @param imageName the image's display name (e.g. its S3 URI)
   * @param width the decoded image's width in pixels
   * @param height the decoded image's height in pixels
   * @throws KilnException USER naming both files and sizes when they differ
   */
  public static void checkImageSize(Annotation annotation, String imageName, int width, int height) {
    if (annotation.width() == 0 && annotation.height() == 0) {
      return;
    }
    if (annotation.width() != width || annotation.height() != height) {
      throw KilnException.user("Annotation " + annotation.source() + " gives the image size " + annotation.width() + "x"
          + annotation.height() + " (width x height) but image " + imageName + " is " + width + "x" + height
          + "; write the image's real size in the annotation (its boxes are in pixels of that size)");
    }
  }

  private static int classId(String where, JsonNode node, String field, int numClasses) {
    JsonNode v = node.get("class_id");
    if (v == null || !v.isNumber() || v.asDouble() != Math.rint(v.asDouble())) {
      throw KilnException.user(where + ": " + field + ".class_id is " + (v == null ? "missing" : "not a whole number ("
          + Messages.echo(v.toString()) + ")") + "; give the class as a whole number from 0 to num_classes - 1 ("
          + (numClasses - 1) + ")");
    }
    double id = v.asDouble();
    if (id < 0 || id >= numClasses) {
      throw KilnException.user(where + ": " + field + ".class_id " + fmt(id) + " is outside [0, " + numClasses
          + ") (num_classes=" + numClasses + "); number the classes from 0 or raise num_classes");
    }
    return (int) id;
  }

  private static double number(String where, JsonNode node, String key, String field) {
    JsonNode v = node.get(key);
    if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw KilnException.user(where + ": " + field + "." + key + " is " + (v == null ? "missing" : "not a number ("
          + Messages.echo(v.toString()) + ")") + "; give each box left, top, width and height in pixels");
    }
    return v.asDouble();
  }

  private static int positiveInt(String where, JsonNode node, String key, String field, String what) {
    JsonNode v = node.get(key);
    if (v == null || !v.isNumber() || v.asDouble() != Math.rint(v.asDouble()) || v.asDouble() < 1
        || v.asDouble() > Integer.MAX_VALUE) {
      throw KilnException.user(where + ": " + field + " is " + (v == null ? "missing" : "not a whole number >= 1 ("
          + Messages.echo(v.toString()) + ")") + "; give " + what);
    }
    return v.asInt();
  }

  // ---------------------------------------------------------------- Pascal VOC

  /**
   * The object names of a VOC file in order (to build {@link #classIds} over a channel).
   *
   * @throws KilnException USER when the XML is malformed or an object has no name
   */
  public static List<String> vocClassNames(String objectName, byte[] content) {
    String where = "Annotation " + objectName;
    Element root = vocRoot(where, content);
    List<String> names = new ArrayList<>();
    int i = 0;
    for (Element o : children(root, "object")) {
      names.add(text(where, o, "name", "object[" + i++ + "]/name", "the object's class name"));
    }
    return names;
  }

  /**
   * Class ids for VOC class names: when every name is a whole number in {@code [0, numClasses)} the names
   * are the ids; otherwise the distinct names, sorted in Java {@code String} order, get ids 0, 1, ...
   *
   * @param names every object name of the channels (duplicates allowed)
   * @throws KilnException USER when there are more distinct names than {@code num_classes}
   */
  public static Map<String, Integer> classIds(Collection<String> names, int numClasses) {
    TreeSet<String> distinct = new TreeSet<>(names);
    Map<String, Integer> ids = new LinkedHashMap<>();
    boolean numeric = true;
    for (String n : distinct) {
      try {
        int id = Integer.parseInt(n.trim());
        if (id < 0 || id >= numClasses) {
          numeric = false;
        }
        ids.put(n, id);
      } catch (NumberFormatException e) {
        numeric = false;
      }
    }
    if (numeric) {
      return ids;
    }
    if (distinct.size() > numClasses) {
      throw KilnException.user("The Pascal VOC annotations name " + distinct.size() + " classes ("
          + Messages.echo(String.join(", ", distinct)) + ") but num_classes=" + numClasses
          + "; raise num_classes to " + distinct.size() + " or relabel the objects");
    }
    ids.clear();
    int next = 0;
    for (String n : distinct) {
      ids.put(n, next++);
    }
    return ids;
  }

  /**
   * Parses a Pascal VOC annotation (see the class comment).
   *
   * @param classIds class name to id, from {@link #classIds}
   * @throws KilnException USER naming the object and the element at fault
   */
  public static Annotation parseVoc(String objectName, byte[] content, int numClasses, int labelWidth,
      Map<String, Integer> classIds) {
    String where = "Annotation " + objectName;
    Element root = vocRoot(where, content);
    String file = text(where, root, "filename", "filename", "the image's path relative to the image channel");
    checkPath(where + " element <filename>", file);
    Element size = child(where, root, "size", "size", "<size><width>W</width><height>H</height></size>");
    int width = vocInt(where, size, "width", "size/width");
    int height = vocInt(where, size, "height", "size/height");
    List<Box> boxes = new ArrayList<>();
    Map<Integer, String> categories = new TreeMap<>();
    int i = 0;
    for (Element o : children(root, "object")) {
      String field = "object[" + i++ + "]";
      String name = text(where, o, "name", field + "/name", "the object's class name");
      Integer id = classIds.get(name);
      if (id == null) {
        throw KilnException.user(where + ": " + field + "/name '" + Messages.echo(name) + "' is not one of the classes "
            + Messages.echo(String.join(", ", new TreeSet<>(classIds.keySet()))) + "; fix the name");
      }
      if (id < 0 || id >= numClasses) {
        throw KilnException.user(where + ": " + field + "/name '" + Messages.echo(name) + "' is class " + id
            + ", outside [0, " + numClasses + ") (num_classes=" + numClasses + "); raise num_classes");
      }
      categories.put(id, name);
      boolean difficult = false;
      List<Element> diff = children(o, "difficult");
      if (!diff.isEmpty()) {
        String d = diff.get(0).getTextContent().trim();
        if (!d.equals("0") && !d.equals("1")) {
          throw KilnException.user(where + ": " + field + "/difficult is '" + Messages.echo(d) + "'; write 0 or 1");
        }
        difficult = d.equals("1");
      }
      Element box = child(where, o, "bndbox", field + "/bndbox",
          "<bndbox><xmin>..</xmin><ymin>..</ymin><xmax>..</xmax><ymax>..</ymax></bndbox>");
      double xmin = vocNumber(where, box, "xmin", field + "/bndbox/xmin");
      double ymin = vocNumber(where, box, "ymin", field + "/bndbox/ymin");
      double xmax = vocNumber(where, box, "xmax", field + "/bndbox/xmax");
      double ymax = vocNumber(where, box, "ymax", field + "/bndbox/ymax");
      if (!(xmax > xmin) || !(ymax > ymin)) {
        throw KilnException.user(where + ": " + field + "/bndbox (xmin " + fmt(xmin) + ", ymin " + fmt(ymin)
            + ", xmax " + fmt(xmax) + ", ymax " + fmt(ymax) + ") is an empty box; xmax must exceed xmin and ymax ymin");
      }
      if (xmin < 0 || ymin < 0 || xmax > width || ymax > height) {
        throw KilnException.user(where + ": " + field + "/bndbox (xmin " + fmt(xmin) + ", ymin " + fmt(ymin)
            + ", xmax " + fmt(xmax) + ", ymax " + fmt(ymax) + ") reaches outside the " + width + "x" + height
            + " image (size); keep 0 <= xmin, 0 <= ymin, xmax <= " + width + " and ymax <= " + height);
      }
      boxes.add(new Box(id, (float) (xmin / width), (float) (ymin / height), (float) (xmax / width),
          (float) (ymax / height), difficult));
    }
    checkLabelWidth(where, boxes.size(), 6, labelWidth);
    return new Annotation(objectName, file, width, height, Collections.unmodifiableList(boxes),
        Collections.unmodifiableMap(categories));
  }

  private static Element vocRoot(String where, byte[] content) {
    Document doc;
    try {
      DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
      f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      f.setFeature("http://xml.org/sax/features/external-general-entities", false);
      f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      f.setXIncludeAware(false);
      f.setExpandEntityReferences(false);
      f.setNamespaceAware(false);
      DocumentBuilder b = f.newDocumentBuilder();
      b.setErrorHandler(null);
      doc = b.parse(new ByteArrayInputStream(content));
    } catch (SAXParseException e) {
      throw KilnException.user(where + " is not valid XML (line " + e.getLineNumber() + ", column "
          + e.getColumnNumber() + "): " + Messages.oneLine(e.getMessage())
          + "; write a Pascal VOC <annotation> document (no DOCTYPE)");
    } catch (SAXException e) {
      throw KilnException.user(where + " is not valid XML: " + Messages.oneLine(e.getMessage())
          + "; write a Pascal VOC <annotation> document");
    } catch (ParserConfigurationException e) {
      throw KilnException.internal("the XML parser cannot be configured safely", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Element root = doc.getDocumentElement();
    if (!root.getTagName().equals("annotation")) {
      throw KilnException.user(where + ": the root element is <" + Messages.echo(root.getTagName())
          + ">, not <annotation>; write a Pascal VOC annotation");
    }
    return root;
  }

  private static List<Element> children(Element parent, String tag) {
    List<Element> out = new ArrayList<>();
    NodeList nodes = parent.getChildNodes();
    for (int i = 0; i < nodes.getLength(); i++) {
      Node n = nodes.item(i);
      if (n instanceof Element e && e.getTagName().equals(tag)) {
        out.add(e);
      }
    }
    return out;
  }

  private static Element child(String where, Element parent, String tag, String path, String expected) {
    List<Element> found = children(parent, tag);
    if (found.isEmpty()) {
      throw KilnException.user(where + " has no <" + path + "> element; add " + expected);
    }
    return found.get(0);
  }

  private static String text(String where, Element parent, String tag, String path, String what) {
    String t = child(where, parent, tag, path, "<" + tag + "> with " + what).getTextContent().trim();
    if (t.isEmpty()) {
      throw KilnException.user(where + ": <" + path + "> is empty; give " + what);
    }
    return t;
  }

  private static double vocNumber(String where, Element parent, String tag, String path) {
    String t = child(where, parent, tag, path, "<" + tag + "> in pixels").getTextContent().trim();
    try {
      double d = Double.parseDouble(t);
      if (Double.isFinite(d)) {
        return d;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw KilnException.user(where + ": <" + path + "> is '" + Messages.echo(t) + "', not a number; give pixels");
  }

  private static int vocInt(String where, Element parent, String tag, String path) {
    double d = vocNumber(where, parent, tag, path);
    if (d != Math.rint(d) || d < 1 || d > Integer.MAX_VALUE) {
      throw KilnException.user(where + ": <" + path + "> is " + fmt(d) + "; give the image's " + tag
          + " in pixels, a whole number >= 1");
    }
    return (int) d;
  }

  // ---------------------------------------------------------------- MXNet list and RecordIO

  /**
   * Parses MXNet's detection list ({@code .lst}, see the class comment); blank lines are skipped and
   * {@code \r\n} line ends accepted.
   *
   * @param listName the list object's name for messages
   * @throws KilnException USER naming the list, the 1-based line and the fix
   */
  public static List<Annotation> parseList(String listName, InputStream in, int numClasses, int labelWidth) {
    List<Annotation> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.endsWith("\r")) {
          line = line.substring(0, line.length() - 1);
        }
        if (line.isBlank()) {
          continue;
        }
        String where = "image list " + listName + " line " + n;
        String[] cols = line.split("\t", -1);
        if (cols.length < 4) {
          throw KilnException.user(where + " has " + cols.length + " tab-separated field" + (cols.length == 1 ? "" : "s")
              + "; expected index<TAB>header width<TAB>object width<TAB>[header values<TAB>]class<TAB>xmin<TAB>ymin"
              + "<TAB>xmax<TAB>ymax<TAB>...<TAB>relative/path: separate the columns with tabs");
        }
        try {
          Long.parseLong(cols[0].trim());
        } catch (NumberFormatException e) {
          throw KilnException.user(where + ": the index '" + Messages.echo(cols[0]) + "' is not a whole number; the "
              + "first column is the image's index");
        }
        float[] label = new float[cols.length - 2];
        for (int i = 1; i < cols.length - 1; i++) {
          try {
            label[i - 1] = Float.parseFloat(cols[i].trim());
          } catch (NumberFormatException e) {
            throw KilnException.user(where + ": column " + (i + 1) + " '" + Messages.echo(cols[i]) + "' is not a "
                + "number; the columns between the index and the path are the label's numbers");
          }
        }
        String path = cols[cols.length - 1];
        checkPath(where + " image path (last column)", path);
        out.add(new Annotation(where, path, 0, 0, detectionLabel(where, label, numClasses, labelWidth), Map.of()));
      }
    } catch (IOException e) {
      throw KilnException.internal("cannot read image list " + listName, e);
    }
    return out;
  }

  /**
   * The ground truth of one detection RecordIO record (its labels as a list line's).
   *
   * @param objectName the RecordIO object's name; messages say {@code object @ byte offset}
   */
  public static Annotation fromRecord(String objectName, ImageRecordIo.Record record, int numClasses,
      int labelWidth) {
    String where = "record " + record.displayName(objectName);
    return new Annotation(record.displayName(objectName), null, 0, 0,
        detectionLabel(where, record.labels(), numClasses, labelWidth), Map.of());
  }

  /**
   * Reads MXNet's packed detection label {@code [A, B, (A-2 header values), objects of B values]}, each
   * object {@code [class, xmin, ymin, xmax, ymax(, difficult)...]} normalised.
   *
   * @param where the label's place for messages (a list line or a record)
   */
  public static List<Box> detectionLabel(String where, float[] label, int numClasses, int labelWidth) {
    String layout = "; MXNet's detection label is [header width A >= 2, object width B >= 5, A-2 more header values, "
        + "then per object class, xmin, ymin, xmax, ymax(, difficult)] with coordinates in [0, 1]";
    if (label.length < 2) {
      throw KilnException.user(where + ": the label has " + label.length + " value" + (label.length == 1 ? "" : "s")
          + layout);
    }
    float a = label[0];
    float b = label[1];
    if (a != Math.rint(a) || a < 2 || a > label.length) {
      throw KilnException.user(where + ": the header width " + fmt(a) + " is not a whole number from 2 to the label's "
          + "length (" + label.length + ")" + layout);
    }
    if (b != Math.rint(b) || b < 5) {
      throw KilnException.user(where + ": the object width " + fmt(b) + " is not a whole number >= 5" + layout);
    }
    int header = (int) a;
    int width = (int) b;
    if ((label.length - header) % width != 0) {
      throw KilnException.user(where + ": after the " + header + " header values, " + (label.length - header)
          + " values are not whole objects of " + width + layout);
    }
    if (label.length > labelWidth) {
      throw KilnException.user(where + ": the label has " + label.length + " values, more than label_width="
          + labelWidth + "; raise label_width to at least " + label.length);
    }
    List<Box> boxes = new ArrayList<>();
    for (int at = header, k = 0; at < label.length; at += width, k++) {
      boolean padding = true;
      for (int j = 0; j < width; j++) {
        padding &= label[at + j] == -1f;
      }
      if (padding) {
        continue;
      }
      float c = label[at];
      String obj = where + ": object " + k;
      if (c != Math.rint(c) || c < 0 || c >= numClasses) {
        throw KilnException.user(obj + " has class " + fmt(c) + ", not a whole number in [0, " + numClasses
            + ") (num_classes=" + numClasses + "); number the classes from 0 or raise num_classes");
      }
      float xmin = label[at + 1];
      float ymin = label[at + 2];
      float xmax = label[at + 3];
      float ymax = label[at + 4];
      String box = " (xmin " + fmt(xmin) + ", ymin " + fmt(ymin) + ", xmax " + fmt(xmax) + ", ymax " + fmt(ymax) + ")";
      if (!(xmax > xmin) || !(ymax > ymin)) {
        throw KilnException.user(obj + box + " is an empty box; xmax must exceed xmin and ymax ymin");
      }
      if (!(xmin >= 0) || !(ymin >= 0) || !(xmax <= 1) || !(ymax <= 1)) {
        throw KilnException.user(obj + box + " reaches outside the image; coordinates are fractions of the image's "
            + "width and height, in [0, 1]");
      }
      boolean difficult = false;
      if (width >= 6) {
        float d = label[at + 5];
        if (d != 0 && d != 1) {
          throw KilnException.user(obj + " has difficult flag " + fmt(d) + "; write 0 or 1");
        }
        difficult = d == 1;
      }
      boxes.add(new Box((int) c, xmin, ymin, xmax, ymax, difficult));
    }
    return Collections.unmodifiableList(boxes);
  }

  // ---------------------------------------------------------------- shared checks

  private static void checkLabelWidth(String where, int objects, int perObject, int labelWidth) {
    long needed = 2L + (long) perObject * objects;
    if (needed > labelWidth) {
      throw KilnException.user(where + " has " + objects + " objects, a label of " + needed + " values (2 + "
          + perObject + " per object), more than label_width=" + labelWidth + "; raise label_width to at least "
          + needed);
    }
  }

  /**
   * Refuses an image path that is empty, absolute, has a backslash or control character, or an empty,
   * {@code .} or {@code ..} segment: it must name an object inside the image channel.
   */
  static void checkPath(String where, String path) {
    String shown = Messages.echo(path);
    if (path.isEmpty()) {
      throw KilnException.user(where + " is empty; give the image's path relative to the image channel");
    }
    if (path.indexOf('\\') >= 0) {
      throw KilnException.user(where + " '" + shown + "' contains a backslash; write paths relative to the image "
          + "channel with '/' separators");
    }
    for (int i = 0; i < path.length(); i++) {
      if (Character.isISOControl(path.charAt(i))) {
        throw KilnException.user(where + " '" + shown + "' contains a control character; write the path relative "
            + "to the image channel");
      }
    }
    if (path.startsWith("/")) {
      throw KilnException.user(where + " '" + shown + "' is absolute; write it relative to the image channel");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw KilnException.user(where + " '" + shown + "' has " + (segment.isEmpty()
            ? "an empty segment ('//' or a trailing '/')" : "a '" + segment + "' segment")
            + "; the image must be inside the image channel, named relative to it, without '.' or '..'");
      }
    }
  }

  private static String fmt(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  private static String fmt(float v) {
    return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Float.toString(v);
  }
}
