package io.kiln.algorithms.vision.classification;

import io.kiln.algorithms.vision.images.DecodedImage;
import io.kiln.algorithms.vision.images.ImageDecoder;
import io.kiln.algorithms.vision.images.ImageList;
import io.kiln.algorithms.vision.images.ImageRecordIo;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import io.kiln.spi.WorkerContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One worker's share of an image channel, decoded into memory with its labels, in the three layouts
 * SageMaker's Image Classification takes:
 *
 * <ul>
 *   <li><b>RecordIO</b> ({@code application/x-recordio}): MXNet image records ({@link ImageRecordIo}),
 *       labels in each record's header. Record {@code i} of the channel (objects in key order) goes
 *       to worker {@code i mod workers}; every worker reads the records' bytes, decoding only its own.
 *   <li><b>Images with a list</b> ({@code application/x-image} and a {@code <channel>_lst} channel):
 *       every worker reads the {@code .lst} objects ({@link ImageList}); line {@code i} (lists in key
 *       order) goes to worker {@code i mod workers}, which opens the image at the line's path
 *       relative to the image channel's prefix.
 *   <li><b>A folder per class</b> ({@code application/x-image} without a list, Kiln's extension as
 *       torchvision's {@code ImageFolder}): {@code <class>/<any path>} under the prefix; classes are
 *       the first path segments in sorted order, numbered from 0; the worker's objects are its share
 *       of the channel ({@link WorkerContext#objects}).
 * </ul>
 *
 * Images are held decoded at their resized size ({@link DecodedImage}, one byte per pixel and channel),
 * so memory is about {@code images * channels * height * width} bytes per worker: a dataset larger
 * than the workers' memory does not fit (Kiln reads each epoch from memory).
 *
 * @param images the worker's images, in channel order
 * @param labels per image, {@code labelWidth} values: a class index, or a 0/1 per class (multi-label)
 * @param classNames the class names for the model's {@code classes.json}: the folder names of a
 *     folder-per-class channel, else {@code "0" .. "num_classes - 1"}
 */
record LabelledImages(List<DecodedImage> images, List<float[]> labels, List<String> classNames) {

  /** Reads the share of {@code channel} ({@code train} or {@code validation}). */
  static LabelledImages read(WorkerContext ctx, String channel, ImageClassificationHyperparameters hp,
      boolean recordIo, List<String> trainClasses) {
    int labelWidth = hp.multiLabel() ? hp.numClasses() : 1;
    Loader loader = new Loader(ctx, channel, hp, labelWidth);
    if (recordIo) {
      loader.recordIo();
    } else if (ctx.hasChannel(channel + "_lst")) {
      loader.list();
    } else {
      if (hp.multiLabel()) {
        throw KilnException.user("Channel '" + channel + "' has no '" + channel + "_lst' channel, but multi_label=1 "
            + "needs one: a folder per class gives one label per image; give a .lst file with a 0/1 column per class");
      }
      return loader.folders(trainClasses);
    }
    return new LabelledImages(loader.images, loader.labels, numbered(hp.numClasses()));
  }

  static List<String> numbered(int classes) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < classes; i++) {
      names.add(Integer.toString(i));
    }
    return names;
  }

  /** The class folders of a folder-per-class channel: the first path segments, sorted. */
  static List<String> classFolders(WorkerContext ctx, String channel) {
    TreeSet<String> names = new TreeSet<>();
    for (ChannelObject o : ctx.allObjects(channel)) {
      int slash = o.key().indexOf('/');
      if (slash > 0) {
        names.add(o.key().substring(0, slash));
      }
    }
    return new ArrayList<>(names);
  }

  /** Reading state of one channel. */
  private static final class Loader {
    final WorkerContext ctx;
    final String channel;
    final ImageClassificationHyperparameters hp;
    final int labelWidth;
    final List<DecodedImage> images = new ArrayList<>();
    final List<float[]> labels = new ArrayList<>();
    final ImageDecoder decoder;

    Loader(WorkerContext ctx, String channel, ImageClassificationHyperparameters hp, int labelWidth) {
      this.ctx = ctx;
      this.channel = channel;
      this.hp = hp;
      this.labelWidth = labelWidth;
      ImageClassificationHyperparameters.ImageShape shape = hp.imageShape();
      this.decoder = new ImageDecoder(shape.channels(), shape.height(), shape.width(),
          hp.resize() == null ? 0 : hp.resize());
    }

    DecodedImage decode(byte[] bytes, String name) {
      return decoder.decode(bytes, name);
    }

    void add(DecodedImage image, float[] label, String where) {
      checkLabel(label, where);
      images.add(image);
      labels.add(label);
    }

    void checkLabel(float[] label, String where) {
      ImageList.checkLabels(where, label, hp.numClasses(), hp.multiLabel());
    }

    void recordIo() {
      int[] index = {0};
      for (ChannelObject o : ctx.allObjects(channel)) {
        try (ImageRecordIo records = new ImageRecordIo(o.uri(), new java.io.BufferedInputStream(o.open()))) {
          while (records.hasNext()) {
            ImageRecordIo.Record record = records.next();
            if (index[0]++ % ctx.workers() == ctx.rank()) {
              String name = record.displayName(o.uri());
              add(decode(record.image(), name), record.labels(), "Channel '" + channel + "': " + name);
            }
          }
        } catch (IOException e) {
          throw KilnException.internal("Cannot read " + o.uri() + ": " + e.getMessage(), e);
        }
      }
    }

    void list() {
      Map<String, ChannelObject> byKey = new HashMap<>();
      for (ChannelObject o : ctx.allObjects(channel)) {
        byKey.put(o.key(), o);
      }
      int index = 0;
      for (ChannelObject lst : ctx.allObjects(channel + "_lst")) {
        List<ImageList.Entry> entries;
        try (InputStream in = lst.open()) {
          entries = ImageList.parse(lst.uri(), in, hp.numClasses(), hp.multiLabel());
        } catch (IOException e) {
          throw KilnException.internal("Cannot read " + lst.uri() + ": " + e.getMessage(), e);
        }
        for (ImageList.Entry entry : entries) {
          if (index++ % ctx.workers() != ctx.rank()) {
            continue;
          }
          String where = "Channel '" + channel + "_lst': " + lst.uri() + " line " + entry.line();
          ChannelObject image = byKey.get(entry.path());
          if (image == null) {
            throw KilnException.user(where + " names '" + entry.path() + "', which channel '" + channel
                + "' does not hold: the path is relative to the channel's S3 prefix; upload the image or fix the line");
          }
          add(decode(readAll(image), image.uri()), entry.labels(), where);
        }
      }
    }

    LabelledImages folders(List<String> trainClasses) {
      List<String> classes = trainClasses != null ? trainClasses : classFolders(ctx, channel);
      if (trainClasses == null && classes.size() > hp.numClasses()) {
        throw KilnException.user("Channel '" + channel + "' has " + classes.size() + " class folders " + preview(classes)
            + " but num_classes=" + hp.numClasses() + ": set num_classes to the number of folders");
      }
      if (classes.isEmpty()) {
        throw KilnException.user("Channel '" + channel + "' has no '" + channel + "_lst' channel and no class folders "
            + "(images under <prefix>/<class>/): give a .lst channel '" + channel + "_lst' or put each class's "
            + "images in a folder of its own");
      }
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < classes.size(); i++) {
        index.put(classes.get(i), i);
      }
      for (ChannelObject o : ctx.objects(channel)) {
        int slash = o.key().indexOf('/');
        if (slash <= 0) {
          throw KilnException.user("Channel '" + channel + "': " + o.uri() + " is not in a class folder: with no '"
              + channel + "_lst' channel every image must be under <prefix>/<class>/; move it or give a .lst");
        }
        Integer label = index.get(o.key().substring(0, slash));
        if (label == null) {
          throw KilnException.user("Channel '" + channel + "': " + o.uri() + " is in class folder '"
              + o.key().substring(0, slash) + "', which the train channel does not have " + preview(classes)
              + ": validation classes must be train classes");
        }
        add(decode(readAll(o), o.uri()), new float[] {label}, "Channel '" + channel + "': " + o.uri());
      }
      List<String> names = new ArrayList<>(classes);
      for (int i = names.size(); i < hp.numClasses(); i++) {
        names.add(Integer.toString(i));
      }
      return new LabelledImages(images, labels, names);
    }

    private static String preview(List<String> classes) {
      return "(" + String.join(", ", classes.size() > 10 ? classes.subList(0, 10) : classes)
          + (classes.size() > 10 ? ", ..." : "") + ")";
    }

    private static byte[] readAll(ChannelObject o) {
      try (InputStream in = o.open()) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw KilnException.internal("Cannot read " + o.uri() + ": " + e.getMessage(), e);
      }
    }
  }
}
