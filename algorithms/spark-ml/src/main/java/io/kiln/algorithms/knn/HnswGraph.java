package io.kiln.algorithms.knn;

import com.github.jelmerk.knn.DistanceFunction;
import com.github.jelmerk.knn.DistanceFunctions;
import com.github.jelmerk.knn.Item;
import com.github.jelmerk.knn.SearchResult;
import com.github.jelmerk.knn.hnsw.HnswIndex;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Kiln's approximate index for SageMaker's {@code faiss.IVFFlat} and {@code faiss.IVFPQ}: a
 * Hierarchical Navigable Small World graph from hnswlib-core (com.github.jelmerk:hnswlib-core, Apache
 * 2.0, pure Java), over the same index rows as the exact index. M = 16, efConstruction = 200, and a
 * search breadth ef = max(k, {@value #MIN_EF}). The candidates it returns are ranked again by the exact
 * key of {@link KnnModel} (so distances and tie order are the exact index's; only which rows are found
 * may differ). The graph is stored with hnswlib-core's own serialisation (Java serialisation of the
 * graph) in {@link KnnModel#GRAPH}, and read back through a filter that admits only the graph's own
 * classes ({@link #GRAPH_CLASSES}).
 */
final class HnswGraph {
  static final int M = 16;
  static final int EF_CONSTRUCTION = 200;
  static final int MIN_EF = 100;

  /** An index row: its number and values. */
  record Point(Integer id, float[] vector) implements Item<Integer, float[]> {
    @Override
    public int dimensions() {
      return vector.length;
    }
  }

  private final HnswIndex<Integer, float[], Point, Float> index;

  private HnswGraph(HnswIndex<Integer, float[], Point, Float> index) {
    this.index = index;
  }

  private static DistanceFunction<float[], Float> distance(String metric) {
    return switch (metric) {
      case "L2" -> DistanceFunctions.FLOAT_EUCLIDEAN_DISTANCE;
      case "INNER_PRODUCT" -> DistanceFunctions.FLOAT_INNER_PRODUCT;
      default -> DistanceFunctions.FLOAT_COSINE_DISTANCE;
    };
  }

  /** Builds the graph over {@code n} rows of {@code dim} values, added in row order. */
  static HnswGraph build(float[] rows, int n, int dim, String metric) {
    HnswIndex<Integer, float[], Point, Float> index = HnswIndex.newBuilder(dim, distance(metric), Math.max(1, n))
        .withM(M).withEfConstruction(EF_CONSTRUCTION).withEf(MIN_EF).build();
    for (int i = 0; i < n; i++) {
      float[] v = new float[dim];
      System.arraycopy(rows, i * dim, v, 0, dim);
      index.add(new Point(i, v));
    }
    return new HnswGraph(index);
  }

  /** The index rows the graph finds nearest to {@code query}: k of them (fewer when it holds fewer). */
  int[] candidates(float[] query, int k) {
    index.setEf(Math.max(k, MIN_EF));
    List<SearchResult<Point, Float>> found = index.findNearest(query, k);
    int[] out = new int[found.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = found.get(i).item().id();
    }
    return out;
  }

  void save(OutputStream out) throws IOException {
    index.save(out);
  }

  /**
   * The classes a graph's serialised form holds (hnswlib-core 1.1.2 writes the index, its item
   * serialiser, the distance function, and the items: {@link Point}s of {@code Integer} and
   * {@code float[]}); {@link #load} refuses any other, so a model file from elsewhere (`kiln predict
   * --model` takes any URI) cannot make Java deserialise arbitrary classes.
   */
  static final java.util.Set<String> GRAPH_CLASSES = java.util.Set.of(
      "com.github.jelmerk.knn.hnsw.HnswIndex", "com.github.jelmerk.knn.JavaObjectSerializer",
      "com.github.jelmerk.knn.DistanceFunctions$FloatEuclideanDistance",
      "com.github.jelmerk.knn.DistanceFunctions$FloatInnerProduct",
      "com.github.jelmerk.knn.DistanceFunctions$FloatCosineDistance",
      Point.class.getName(), "[F", "java.lang.Integer", "java.lang.Number", "java.lang.Enum",
      "java.util.Comparators$NaturalOrderComparator");
  /** Nesting depth of a graph's serialised objects: hnswlib-core writes its nodes flat. */
  static final long MAX_DEPTH = 20;

  static final java.io.ObjectInputFilter FILTER = info -> {
    if (info.depth() > MAX_DEPTH) {
      return java.io.ObjectInputFilter.Status.REJECTED;
    }
    Class<?> c = info.serialClass();
    if (c == null) {
      return java.io.ObjectInputFilter.Status.UNDECIDED;
    }
    return GRAPH_CLASSES.contains(c.getName()) ? java.io.ObjectInputFilter.Status.ALLOWED
        : java.io.ObjectInputFilter.Status.REJECTED;
  };

  /**
   * Reads a graph {@link #save} wrote, through {@link #FILTER}.
   *
   * @throws KilnException USER when the file is not such a graph (damaged, or holding other classes)
   */
  @SuppressWarnings("unchecked")
  static HnswGraph load(InputStream in, String file) {
    try {
      java.io.ObjectInputStream objects = new com.github.jelmerk.knn.util.ClassLoaderObjectInputStream(
          HnswGraph.class.getClassLoader(), in);
      objects.setObjectInputFilter(FILTER);
      return new HnswGraph((HnswIndex<Integer, float[], Point, Float>) objects.readObject());
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      throw KilnException.user("k-NN model file " + file + " is not an hnswlib-core graph Kiln wrote (" + e.getMessage()
          + "): the model is damaged or not Kiln's; train it again");
    }
  }
}
