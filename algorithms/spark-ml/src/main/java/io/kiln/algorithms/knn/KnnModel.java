package io.kiln.algorithms.knn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A trained k-NN model: the sampled training rows (the exact index) and their labels, with the
 * settings inference needs. Spark-free: it loads and predicts anywhere (kiln predict's executors, a
 * test, a user's JVM).
 *
 * <p>Files (docs/built-ins.md, "k-NN"), in the spirit of SageMaker's {@code model_algo-1},
 * {@code model_algo-1.labels} and {@code model_algo-1.json}:
 * <ul>
 *   <li>{@value #META} — JSON: {@code format} ("kiln-knn-1"), {@code k}, {@code predictor_type},
 *       {@code index_type}, {@code index_metric}, {@code feature_dim} (the input width), {@code dimension}
 *       (the index's width) and {@code rows};
 *   <li>{@value #INDEX} — the index rows, {@code rows x dimension} little-endian float32, row-major;
 *   <li>{@value #LABELS} — one little-endian float32 label per index row (as SageMaker's
 *       {@code model_algo-1.labels} holds np.float32 labels).
 * </ul>
 * As in SageMaker, {@code k} and {@code predictor_type} in the JSON may be edited to change how
 * predictions are computed.
 *
 * <p>Search: {@code L2} ranks by squared Euclidean distance (what faiss returns as the distance),
 * {@code INNER_PRODUCT} by the inner product and {@code COSINE} by the cosine similarity (both the
 * larger the nearer; the "distance" returned is the similarity, as faiss returns it); distances in
 * float64 from the float32 rows; equal distances are ordered by index row (the lower first).
 * Prediction: a regressor predicts the mean of the k neighbours' labels; a classifier the most frequent
 * label among them, a tie going to the smallest tied label (SageMaker's documentation states no tie
 * rule; this is scikit-learn's KNeighborsClassifier's).
 */
public final class KnnModel {
  /** The settings file. */
  public static final String META = "knn-model.json";
  /** The index rows. */
  public static final String INDEX = "knn-index.f32";
  /** The index rows' labels. */
  public static final String LABELS = "knn-labels.f32";
  /** The approximate index's graph ({@link HnswGraph}), present for faiss.IVFFlat and faiss.IVFPQ only. */
  public static final String GRAPH = "knn-hnsw.bin";
  static final String FORMAT = "kiln-knn-1";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int k;
  private final String predictorType;
  private final String indexType;
  private final String metric;
  private final int featureDim;
  private final int dimension;
  private final float[] rows;
  private final float[] labels;
  private HnswGraph graph;
  private Projection projection;
  private String reductionType;
  private long reductionSeed;

  /**
   * A model over index rows.
   *
   * @param rows {@code labels.length x dimension} values, row-major
   */
  public KnnModel(int k, String predictorType, String indexType, String metric, int featureDim, int dimension,
      float[] rows, float[] labels) {
    if ((long) labels.length * dimension != rows.length) {
      throw new IllegalArgumentException(rows.length + " values are not " + labels.length + " rows of " + dimension);
    }
    this.k = k;
    this.predictorType = predictorType;
    this.indexType = indexType;
    this.metric = metric;
    this.featureDim = featureDim;
    this.dimension = dimension;
    this.rows = rows;
    this.labels = labels;
    if (!indexType.equals(KnnHyperparameters.FLAT)) {
      graph = HnswGraph.build(rows, labels.length, dimension, metric);
    }
  }

  private KnnModel(int k, String predictorType, String indexType, String metric, int featureDim, int dimension,
      float[] rows, float[] labels, HnswGraph graph) {
    this(k, predictorType, KnnHyperparameters.FLAT, metric, featureDim, dimension, rows, labels);
    this.graph = graph;
    this.indexTypeName = indexType;
  }

  private String indexTypeName;

  /**
   * Declares that the index rows are {@code dimension_reduction_type} projections ({@link Projection})
   * of {@link #featureDim()}-wide rows, made with {@code seed}: queries are projected the same way.
   */
  void reduction(String type, long seed) {
    reductionType = type;
    reductionSeed = seed;
    projection = new Projection(type, seed, featureDim, dimension);
  }

  /** The projection of a {@link #featureDim()}-wide row into the index's space (the row itself without one). */
  public float[] project(float[] row) {
    return projection == null ? row : projection.apply(row);
  }

  /** True when searches go through the approximate graph ({@value #GRAPH}). */
  public boolean approximate() {
    return graph != null;
  }

  public int k() {
    return k;
  }

  public String predictorType() {
    return predictorType;
  }

  public String indexMetric() {
    return metric;
  }

  public String indexType() {
    return indexTypeName != null ? indexTypeName : indexType;
  }

  /** The input width rows to predict must have. */
  public int featureDim() {
    return featureDim;
  }

  /** Index rows. */
  public int size() {
    return labels.length;
  }

  /** Index row {@code i} (a copy). */
  public float[] row(int i) {
    float[] out = new float[dimension];
    System.arraycopy(rows, i * dimension, out, 0, dimension);
    return out;
  }

  /** The label of index row {@code i}. */
  public float label(int i) {
    return labels[i];
  }

  /** Writes the three files into {@code directory}. */
  public void write(Path directory) throws IOException {
    ObjectNode m = JSON.createObjectNode().put("format", FORMAT).put("k", k).put("predictor_type", predictorType)
        .put("index_type", indexType()).put("index_metric", metric).put("feature_dim", featureDim)
        .put("dimension", dimension).put("rows", labels.length);
    Files.writeString(directory.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
    Files.write(directory.resolve(INDEX), floats(rows));
    Files.write(directory.resolve(LABELS), floats(labels));
    if (projection != null) {
      m.putObject("dimension_reduction").put("type", reductionType).put("seed", reductionSeed)
          .put("target_dim", dimension).put("input_dim", featureDim);
      Files.writeString(directory.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
    }
    if (graph != null) {
      m.put("approximate_index", "hnsw");
      Files.writeString(directory.resolve(META), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(m));
      try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(directory.resolve(GRAPH)))) {
        graph.save(out);
      }
    }
  }

  private static byte[] floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b.array();
  }

  private static float[] floats(byte[] bytes, String file, long expected) {
    if (bytes.length != expected * 4) {
      throw KilnException.user("k-NN model file " + file + " has " + bytes.length + " bytes, but " + META
          + " says " + expected + " float32 values (" + expected * 4 + " bytes): the model is damaged; train it again");
    }
    float[] out = new float[(int) expected];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  /**
   * Reads a model directory.
   *
   * @throws KilnException USER naming the file when one is missing, not this format, or of the wrong size
   */
  public static KnnModel read(Path directory) {
    try {
      Path meta = directory.resolve(META);
      if (!Files.isRegularFile(meta)) {
        throw KilnException.user("No k-NN model in " + directory + ": " + META + " is missing (a k-NN model.tar.gz "
            + "holds " + META + ", " + INDEX + " and " + LABELS + ")");
      }
      JsonNode m;
      try {
        m = JSON.readTree(Files.readString(meta));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw KilnException.user("k-NN model file " + META + " is not JSON: " + e.getOriginalMessage());
      }
      if (!FORMAT.equals(m.path("format").asText())) {
        throw KilnException.user("k-NN model file " + META + " has format " + m.path("format")
            + ", not \"" + FORMAT + "\": it was not written by Kiln's k-NN");
      }
      int k = m.path("k").asInt(0);
      String type = m.path("predictor_type").asText();
      if (k < 1 || !(type.equals(KnnHyperparameters.CLASSIFIER) || type.equals(KnnHyperparameters.REGRESSOR))) {
        throw KilnException.user("k-NN model file " + META + ": k must be >= 1 and predictor_type classifier or "
            + "regressor, not k=" + m.path("k") + ", predictor_type=" + m.path("predictor_type"));
      }
      int dim = m.path("dimension").asInt();
      long n = m.path("rows").asLong();
      for (String f : List.of(INDEX, LABELS)) {
        if (!Files.isRegularFile(directory.resolve(f))) {
          throw KilnException.user("k-NN model file " + f + " is missing beside " + META + ": the model is incomplete");
        }
      }
      float[] rows = floats(Files.readAllBytes(directory.resolve(INDEX)), INDEX, n * dim);
      float[] labels = floats(Files.readAllBytes(directory.resolve(LABELS)), LABELS, n);
      String indexType = m.path("index_type").asText(KnnHyperparameters.FLAT);
      String metric = m.path("index_metric").asText("L2");
      KnnModel model = indexType.equals(KnnHyperparameters.FLAT)
          ? new KnnModel(k, type, indexType, metric, m.path("feature_dim").asInt(dim), dim, rows, labels)
          : approximate(directory, k, type, indexType, metric, m.path("feature_dim").asInt(dim), dim, rows, labels);
      JsonNode r = m.path("dimension_reduction");
      if (r.isObject()) {
        String rt = r.path("type").asText();
        if (!(rt.equals("sign") || rt.equals("fjlt")) || r.path("target_dim").asInt() != dim) {
          throw KilnException.user("k-NN model file " + META + ": dimension_reduction " + r + " is not a sign or "
              + "fjlt reduction to the index's dimension " + dim);
        }
        model.reduction(rt, r.path("seed").asLong());
      }
      return model;
    } catch (IOException e) {
      throw KilnException.user("Cannot read the k-NN model in " + directory + ": " + e);
    }
  }

  private static KnnModel approximate(Path directory, int k, String type, String indexType, String metric,
      int featureDim, int dim, float[] rows, float[] labels) throws IOException {
    {
      if (!Files.isRegularFile(directory.resolve(GRAPH))) {
        throw KilnException.user("k-NN model file " + GRAPH + " is missing beside " + META + " (index_type "
            + indexType + "): the model is incomplete");
      }
      HnswGraph graph;
      try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(directory.resolve(GRAPH)))) {
        graph = HnswGraph.load(in, GRAPH);
      }
      return new KnnModel(k, type, indexType, metric, featureDim, dim, rows, labels, graph);
    }
  }

  /**
   * The k nearest index rows of each query, nearest first.
   *
   * @param indices per query, k index rows (fewer when the index holds fewer)
   * @param distances per query, their distances (L2: squared; INNER_PRODUCT, COSINE: the similarity)
   */
  public record Neighbours(int[][] indices, double[][] distances) {}

  /**
   * Exact search of {@code queries}, whatever the index type (the reference an approximate index's
   * recall is measured against).
   */
  public Neighbours exactSearch(float[][] queries, int k) {
    HnswGraph g = graph;
    graph = null;
    try {
      return search(queries, k);
    } finally {
      graph = g;
    }
  }

  private static double norm(float[] q) {
    double qn = 0;
    for (float v : q) {
      qn += (double) v * v;
    }
    return Math.sqrt(qn);
  }

  /** Search of {@code queries} (each {@link #featureDim()} wide) for {@code k} neighbours each: exact for faiss.Flat, through
   * the graph ({@link HnswGraph}) otherwise.
   */
  public Neighbours search(float[][] queries, int k) {
    int[][] idx = new int[queries.length][];
    double[][] dist = new double[queries.length][];
    for (int q = 0; q < queries.length; q++) {
      checkWidth(queries[q], q);
      float[] query = project(queries[q]);
      TopK top = new TopK(k);
      if (graph != null) {
        double qn = norm(query);
        for (int i : graph.candidates(query, k)) {
          top.offer(key(rows, i * dimension, dimension, query, qn, metric), i, labels[i]);
        }
      } else {
        scan(rows, labels.length, dimension, query, metric, 0, top);
      }
      idx[q] = new int[top.size];
      dist[q] = new double[top.size];
      for (int i = 0; i < top.size; i++) {
        idx[q][i] = (int) top.index[i];
        dist[q][i] = distance(top.key[i], metric);
      }
    }
    return new Neighbours(idx, dist);
  }

  private void checkWidth(float[] row, int i) {
    if (row.length != featureDim) {
      throw KilnException.user("Row " + (i + 1) + " has " + row.length + " features, but the k-NN model takes "
          + featureDim + " (feature_dim): send the training data's features without the label");
    }
  }

  /**
   * Predicts each row: per row {@code predicted_label} (a classifier's label, a regressor's mean), as
   * SageMaker's k-NN inference response names it.
   */
  public List<Map<String, Object>> predict(float[][] queries) {
    Neighbours n = search(queries, k);
    List<Map<String, Object>> out = new ArrayList<>(queries.length);
    for (int q = 0; q < queries.length; q++) {
      float[] l = new float[n.indices()[q].length];
      for (int i = 0; i < l.length; i++) {
        l[i] = labels[n.indices()[q][i]];
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("predicted_label", predict(l, predictorType.equals(KnnHyperparameters.CLASSIFIER)));
      out.add(p);
    }
    return out;
  }

  /**
   * The prediction from the neighbours' labels: a classifier's most frequent label (the smallest of
   * those tied), a regressor's mean (float64).
   */
  public static double predict(float[] neighbourLabels, boolean classifier) {
    if (!classifier) {
      double s = 0;
      for (float l : neighbourLabels) {
        s += l;
      }
      return s / neighbourLabels.length;
    }
    TreeMap<Float, Integer> counts = new TreeMap<>();
    for (float l : neighbourLabels) {
      counts.merge(l, 1, Integer::sum);
    }
    float best = Float.NaN;
    int most = 0;
    for (Map.Entry<Float, Integer> e : counts.entrySet()) { // ascending: the first of the most frequent wins
      if (e.getValue() > most) {
        most = e.getValue();
        best = e.getKey();
      }
    }
    return best;
  }

  /**
   * The running k best of a scan: ranked by a key (lower is nearer) then by index row.
   */
  static final class TopK {
    final double[] key;
    final long[] index;
    final float[] label;
    int size;

    TopK(int k) {
      key = new double[k];
      index = new long[k];
      label = new float[k];
    }

    private static boolean before(double k1, long i1, double k2, long i2) {
      return k1 < k2 || (k1 == k2 && i1 < i2);
    }

    /** Offers a candidate (kept sorted by insertion: k is small). */
    void offer(double k, long i, float l) {
      int n = key.length;
      if (size == n && !before(k, i, key[n - 1], index[n - 1])) {
        return;
      }
      int p = size == n ? n - 1 : size++;
      while (p > 0 && before(k, i, key[p - 1], index[p - 1])) {
        key[p] = key[p - 1];
        index[p] = index[p - 1];
        label[p] = label[p - 1];
        p--;
      }
      key[p] = k;
      index[p] = i;
      label[p] = l;
    }

    void sort() {
      // kept sorted by offer
    }
  }

  /** The ranking key of a row (lower is nearer) for a metric. */
  static double key(float[] data, int offset, int dim, float[] q, double qNorm, String metric) {
    switch (metric) {
      case "L2" -> {
        double s = 0;
        for (int j = 0; j < dim; j++) {
          double d = (double) data[offset + j] - q[j];
          s += d * d;
        }
        return s;
      }
      case "INNER_PRODUCT" -> {
        double s = 0;
        for (int j = 0; j < dim; j++) {
          s += (double) data[offset + j] * q[j];
        }
        return -s;
      }
      default -> { // COSINE
        double s = 0;
        double n = 0;
        for (int j = 0; j < dim; j++) {
          s += (double) data[offset + j] * q[j];
          n += (double) data[offset + j] * data[offset + j];
        }
        double denom = Math.sqrt(n) * qNorm;
        return denom == 0 ? 0 : -s / denom;
      }
    }
  }

  /** The distance a key stands for: L2 the squared distance, the similarities their value. */
  static double distance(double key, String metric) {
    return metric.equals("L2") ? key : -key;
  }

  /** Offers {@code n} rows of {@code data} to {@code top}, their index rows numbered from {@code base}. */
  static void scan(float[] data, int n, int dim, float[] q, String metric, long base, TopK top) {
    scan(data, null, n, dim, q, metric, base, top);
  }

  /** As {@link #scan(float[], int, int, float[], String, long, TopK)}, recording labels too. */
  static void scan(float[] data, float[] rowLabels, int n, int dim, float[] q, String metric, long base, TopK top) {
    double qn = 0;
    for (float v : q) {
      qn += (double) v * v;
    }
    qn = Math.sqrt(qn);
    for (int i = 0; i < n; i++) {
      top.offer(key(data, i * dim, dim, q, qn, metric), base + i, rowLabels == null ? 0 : rowLabels[i]);
    }
  }
}
