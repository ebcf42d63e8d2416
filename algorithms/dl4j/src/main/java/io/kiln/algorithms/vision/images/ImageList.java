package io.kiln.algorithms.vision.images;

import io.kiln.spi.KilnException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses an image list ({@code .lst}), the index of SageMaker Image Classification's
 * {@code train_lst} / {@code validation_lst} channels. The format is MXNet's {@code im2rec} list:
 * one image per line, tab-separated, {@code index<TAB>label[<TAB>label...]<TAB>relative/path}.
 * With {@code multi_label=0} a line has one label, the class index ({@code 0 .. num_classes-1},
 * written as an integer or as a float such as {@code 3.000000}, as im2rec writes it). With
 * {@code multi_label=1} a line has {@code num_classes} label columns, each 0 or 1 (the one-hot
 * encoding of SageMaker's multi-label {@code .lst} example notebook). Blank lines are skipped; a
 * trailing carriage return ({@code \r\n} line ends) is ignored.
 *
 * <p>The path is relative to the image channel ({@code train} / {@code validation}). It must use
 * forward slashes ({@code /}; a backslash is refused rather than guessed at, since S3 keys may
 * contain one), must not start with {@code /}, and no segment may be {@code .}, {@code ..} or empty
 * ({@code a//b}): a list can never name an object outside its channel's prefix.
 *
 * <p>Every problem is a USER {@link KilnException} whose message names the list object, the
 * 1-based line number and the fix.
 */
public final class ImageList {
  private ImageList() {}

  /**
   * One line of a list.
   *
   * @param index the image's index (first column; im2rec's record id)
   * @param labels the label columns: one class index, or {@code num_classes} 0/1 values
   * @param path the image's path relative to the image channel, with {@code /} separators
   * @param line the 1-based line number in the list object
   */
  public record Entry(long index, float[] labels, String path, int line) {}

  /**
   * The number of label columns a line must have: 1, or {@code numClasses} when multi-label.
   *
   * @param numClasses the job's {@code num_classes} (at least 1)
   * @param multiLabel the job's {@code multi_label} (true for 1)
   */
  public static int labelColumns(int numClasses, boolean multiLabel) {
    return multiLabel ? numClasses : 1;
  }

  /**
   * Reads a whole list (UTF-8). Does not close {@code in}.
   *
   * @param listName the list object's display name for messages (e.g. its S3 URI)
   * @param in the list's bytes
   * @param numClasses the job's {@code num_classes}; single labels must lie in {@code [0, numClasses)}
   * @param multiLabel the job's {@code multi_label}: {@code numClasses} 0/1 columns instead of one index
   * @return the entries in file order (empty for a list with only blank lines)
   * @throws KilnException USER for a malformed line, INTERNAL if reading the stream fails
   */
  public static List<Entry> parse(String listName, InputStream in, int numClasses, boolean multiLabel) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be at least 1, got " + numClasses);
    }
    List<Entry> entries = new ArrayList<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    int lineNumber = 0;
    try {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        entries.add(parseLine(listName, line, lineNumber, numClasses, multiLabel));
      }
    } catch (IOException e) {
      throw KilnException.internal("could not read image list " + listName + " at line " + (lineNumber + 1)
          + ": " + e.getMessage(), e);
    }
    return entries;
  }

  /**
   * Parses one non-blank line.
   *
   * @throws KilnException USER naming {@code listName} and {@code lineNumber} when the line is malformed
   */
  public static Entry parseLine(String listName, String line, int lineNumber, int numClasses, boolean multiLabel) {
    String where = "image list " + listName + " line " + lineNumber;
    String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    String[] fields = text.split("\t", -1);
    int expected = labelColumns(numClasses, multiLabel);
    String layout = multiLabel
        ? "index<TAB>" + expected + " labels (0 or 1, one per class; multi_label=1, num_classes=" + numClasses
            + ")<TAB>relative/path"
        : "index<TAB>class label<TAB>relative/path";
    if (fields.length < 3) {
      throw KilnException.user(where + " has " + fields.length + " tab-separated field"
          + (fields.length == 1 ? "" : "s") + " (" + abbreviate(text) + "); expected " + layout
          + ": separate the columns with tabs, not spaces");
    }
    int labelCount = fields.length - 2;
    if (labelCount != expected) {
      throw KilnException.user(where + " has " + labelCount + " label column" + (labelCount == 1 ? "" : "s")
          + " but the job expects " + expected + " (" + layout + ")"
          + (multiLabel ? "" : "; for several labels per image set multi_label=1")
          + "; fix the list or the job's num_classes / multi_label");
    }
    long index;
    try {
      index = Long.parseLong(fields[0].trim());
    } catch (NumberFormatException e) {
      throw KilnException.user(where + ": the index '" + abbreviate(fields[0])
          + "' is not an integer; the first column must be the image's integer index (" + layout + ")");
    }
    float[] labels = new float[labelCount];
    for (int i = 0; i < labelCount; i++) {
      String field = fields[1 + i].trim();
      float value;
      try {
        value = field.isEmpty() ? Float.NaN : Float.parseFloat(field);
      } catch (NumberFormatException e) {
        value = Float.NaN;
      }
      if (!Float.isFinite(value)) {
        throw KilnException.user(where + ": label " + (i + 1) + " '" + abbreviate(fields[1 + i])
            + "' is not a number (" + layout + ")");
      }
      labels[i] = value;
    }
    checkLabels(where, labels, numClasses, multiLabel);
    String path = fields[fields.length - 1];
    checkPath(where, path);
    return new Entry(index, labels, path, lineNumber);
  }

  /**
   * Checks one image's labels against the job, for a list line or a RecordIO record alike: one
   * integer class in {@code [0, numClasses)}, or with {@code multiLabel} exactly {@code numClasses}
   * values of 0 or 1.
   *
   * @param where what to name in the message (e.g. {@code image list X line 3}, or a record's
   *     {@code object @ byte N})
   * @throws KilnException USER naming {@code where}, the value and the fix
   */
  public static void checkLabels(String where, float[] labels, int numClasses, boolean multiLabel) {
    int expected = labelColumns(numClasses, multiLabel);
    if (labels.length != expected) {
      throw KilnException.user(where + " has " + labels.length + " label" + (labels.length == 1 ? "" : "s")
          + " but the job expects " + expected + (multiLabel ? " (multi_label=1: one 0/1 value per class, num_classes="
              + numClasses + ")" : " (one class index; for several labels per image set multi_label=1)")
          + "; fix the labels or the job's num_classes / multi_label");
    }
    for (int i = 0; i < labels.length; i++) {
      float value = labels[i];
      if (multiLabel && value != 0f && value != 1f) {
        throw KilnException.user(where + ": label " + (i + 1) + " is " + value
            + " but multi-label images hold 0 or 1 per class (multi_label=1); write 1 for the classes the image has, 0 otherwise");
      }
      if (!multiLabel && (value != Math.rint(value) || value < 0 || value >= numClasses)) {
        throw KilnException.user(where + ": the class label " + format(value) + " is not an integer in [0, "
            + numClasses + ") (num_classes=" + numClasses + "); number the classes from 0 or raise num_classes");
      }
    }
  }

  private static String format(float value) {
    return value == Math.rint(value) && Math.abs(value) < 1e9 ? Long.toString((long) value) : Float.toString(value);
  }

  /**
   * Refuses a path that is empty, absolute, uses backslashes or has an empty, {@code .} or {@code ..}
   * segment, so it stays inside its channel.
   */
  static void checkPath(String where, String path) {
    if (path.isBlank()) {
      throw KilnException.user(where + ": the image path (last column) is empty; give the image's path relative to the image channel");
    }
    if (path.indexOf('\\') >= 0) {
      throw KilnException.user(where + ": the image path '" + abbreviate(path)
          + "' contains a backslash; write paths relative to the image channel with '/' separators");
    }
    for (int i = 0; i < path.length(); i++) {
      if (Character.isISOControl(path.charAt(i))) {
        throw KilnException.user(where + ": the image path '" + abbreviate(path)
            + "' contains a control character; write the path relative to the image channel");
      }
    }
    if (path.startsWith("/")) {
      throw KilnException.user(where + ": the image path '" + abbreviate(path)
          + "' is absolute; write it relative to the image channel (without the leading '/')");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw KilnException.user(where + ": the image path '" + abbreviate(path) + "' has "
            + (segment.isEmpty() ? "an empty segment ('//' or a trailing '/')" : "a '" + segment + "' segment")
            + "; image paths must name an object inside the image channel, relative to it, without '.' or '..'");
      }
    }
  }

  private static String abbreviate(String text) {
    String shown = text.replace("\t", "\\t");
    return shown.length() <= 120 ? shown : shown.substring(0, 117) + "...";
  }
}
