package io.kiln.algorithms.vision.detection;

import io.kiln.algorithms.vision.images.DecodedImage;
import io.kiln.algorithms.vision.images.ImageDecoder;
import io.kiln.algorithms.vision.images.ImageRecordIo;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import io.kiln.spi.WorkerContext;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One worker's share of an Object Detection channel, decoded into memory with its boxes, in the two
 * layouts SageMaker's Object Detection takes:
 *
 * <ul>
 *   <li><b>RecordIO</b> ({@code application/x-recordio}): MXNet detection records, the boxes in each
 *       record's header ({@link Annotations#fromRecord}); record {@code i} of the channel goes to
 *       worker {@code i mod workers}.
 *   <li><b>Images with annotations</b> ({@code application/x-image} and a {@code <channel>_annotation}
 *       channel of SageMaker JSON or Pascal VOC XML files, one per image): annotation {@code i}
 *       (objects in key order) goes to worker {@code i mod workers}, which opens the image its
 *       {@code file} names, relative to the image channel's prefix. VOC class names become ids as
 *       {@link Annotations#classIds} says, from the names of every annotation of the channel.
 * </ul>
 *
 * Every image is decoded with the job's 3 channels and resized to the square
 * {@code image_shape × image_shape} (SageMaker's detector input); boxes are fractions of the image,
 * so resizing keeps them.
 *
 * @param images the worker's images, {@code side × side}
 * @param boxes per image, its ground truth
 * @param categories class id to name from this share's annotations (JSON {@code categories}, VOC
 *     names); empty when they give none
 */
record DetectionImages(List<DecodedImage> images, List<List<Annotations.Box>> boxes, Map<Integer, String> categories) {
  /** The detector's input channels: SageMaker's Object Detection takes colour images. */
  static final int CHANNELS = 3;

  /** Reads the share of {@code channel} ({@code train} or {@code validation}). */
  static DetectionImages read(WorkerContext ctx, String channel, ObjectDetectionHyperparameters hp, boolean recordIo) {
    List<DecodedImage> images = new ArrayList<>();
    List<List<Annotations.Box>> boxes = new ArrayList<>();
    Map<Integer, String> categories = new TreeMap<>();
    int side = hp.imageShape();
    ImageDecoder decoder = new ImageDecoder(CHANNELS, 1, 1, 0);
    if (recordIo) {
      int index = 0;
      for (ChannelObject o : ctx.allObjects(channel)) {
        try (ImageRecordIo records = new ImageRecordIo(o.uri(), new BufferedInputStream(o.open()))) {
          while (records.hasNext()) {
            ImageRecordIo.Record record = records.next();
            if (index++ % ctx.workers() != ctx.rank()) {
              continue;
            }
            Annotations.Annotation a = Annotations.fromRecord(o.uri(), record, hp.numClasses(), hp.labelWidth());
            images.add(decoder.decodeOnly(record.image(), record.displayName(o.uri())).resize(side, side));
            boxes.add(a.boxes());
            a.categories().forEach(categories::putIfAbsent);
          }
        } catch (IOException e) {
          throw KilnException.internal("Cannot read " + o.uri() + ": " + e.getMessage(), e);
        }
      }
      return new DetectionImages(images, boxes, categories);
    }
    String annotations = channel + "_annotation";
    if (!ctx.hasChannel(annotations)) {
      throw KilnException.user("Channel '" + channel + "' is application/x-image but the job has no '" + annotations
          + "' channel: give the images' annotations (SageMaker JSON or Pascal VOC XML, one file per image) in '"
          + annotations + "', or the images as application/x-recordio");
    }
    List<ChannelObject> annotationObjects = ctx.allObjects(annotations);
    Map<String, Integer> vocIds = vocClassIds(annotationObjects, hp.numClasses());
    vocIds.forEach((name, id) -> categories.put(id, name));
    Map<String, ChannelObject> byKey = new HashMap<>();
    for (ChannelObject o : ctx.allObjects(channel)) {
      byKey.put(o.key(), o);
    }
    for (int i = 0; i < annotationObjects.size(); i++) {
      if (i % ctx.workers() != ctx.rank()) {
        continue;
      }
      ChannelObject o = annotationObjects.get(i);
      Annotations.Annotation a = Annotations.read(o.uri(), readAll(o), hp.numClasses(), hp.labelWidth(), vocIds);
      ChannelObject image = byKey.get(a.file());
      if (image == null) {
        throw KilnException.user("Annotation " + o.uri() + " names image '" + a.file() + "', which channel '" + channel
            + "' does not hold: the name is relative to the channel's S3 prefix; upload the image or fix the file");
      }
      DecodedImage decoded = decoder.decodeOnly(readAll(image), image.uri());
      Annotations.checkImageSize(a, image.uri(), decoded.width(), decoded.height());
      images.add(decoded.resize(side, side));
      boxes.add(a.boxes());
      a.categories().forEach(categories::putIfAbsent);
    }
    return new DetectionImages(images, boxes, categories);
  }

  /** VOC class names to ids over every VOC file of the channel; empty when it has none. */
  private static Map<String, Integer> vocClassIds(List<ChannelObject> objects, int numClasses) {
    List<String> names = new ArrayList<>();
    boolean voc = false;
    for (ChannelObject o : objects) {
      if (o.key().toLowerCase(Locale.ROOT).endsWith(".xml")) {
        voc = true;
        names.addAll(Annotations.vocClassNames(o.uri(), readAll(o)));
      }
    }
    return voc ? Annotations.classIds(names, numClasses) : Map.of();
  }

  private static byte[] readAll(ChannelObject o) {
    try (InputStream in = o.open()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + o.uri() + ": " + e.getMessage(), e);
    }
  }
}
