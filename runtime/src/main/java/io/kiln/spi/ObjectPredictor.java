package io.kiln.spi;

/**
 * A trained model that predicts over whole objects, for batch prediction ({@code kiln predict
 * --content-type application/x-image}, SageMaker's Batch Transform with {@code SplitType: None}):
 * each input object (one image) is one request, and the model's answer to it is one JSON document,
 * as the algorithm's SageMaker endpoint answers one {@code InvokeEndpoint} call.
 *
 * <p>An {@link Algorithm} that declares {@link Algorithm#objectContentTypes()} makes one from a local
 * copy of its model directory with {@link Algorithm#objectPredictor(java.nio.file.Path)}; the runtime
 * makes one per Spark task (a task predicts a group of objects, one after another, with it), so a
 * predictor need not be serialisable or thread-safe: one thread calls it, then closes it.
 *
 * <p>Output: the runtime writes the returned document on one line, followed by {@code \n}, as the
 * object's {@code <key>.out} (SageMaker's Image Classification answers
 * {@code {"prediction": [p_0, ..., p_{k-1}]}}, its Object Detection
 * {@code {"prediction": [[class, score, xmin, ymin, xmax, ymax], ...]}} with coordinates as fractions
 * of the image's width and height).
 */
public interface ObjectPredictor extends AutoCloseable {

  /**
   * Predicts one object.
   *
   * @param name the object's key relative to the input prefix ({@code cats/001.jpg}), for the
   *     predictor's own use (e.g. telling PNG from JPEG by its suffix); the runtime already names the
   *     object's URI in front of any error message
   * @param body the object's bytes, whole (a {@code .gz} object decompressed); never empty (the
   *     runtime refuses an empty object before calling)
   * @param contentType the input's type as the user gave it ({@code --content-type}, with its
   *     parameters), one of {@link Algorithm#objectContentTypes()}
   * @param accept the output's type as the user gave it ({@code --accept}: {@code application/json}
   *     or {@code application/jsonlines}, with parameters such as SageMaker's {@code verbose=true})
   * @return one JSON value (an object, as SageMaker's containers answer), as text; white space,
   *     line breaks included, is allowed (the runtime puts a document that spans lines on one line)
   * @throws KilnException USER for an object the model cannot take (not an image, a truncated file,
   *     a channel count the model was not trained on), saying what is wrong and the fix; else
   *     ALGORITHM
   */
  String predict(String name, byte[] body, MediaType contentType, MediaType accept);

  /** Frees what the model holds (native memory); the predictor is not used afterwards. */
  @Override
  void close();
}
