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
 * graph) in {@link KnnModel#GRAPH}; read it only from a model.tar.gz a Kiln job wrote.
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

  static HnswGraph load(InputStream in, String file) {
    try {
      return new HnswGraph(HnswIndex.load(in, HnswGraph.class.getClassLoader()));
    } catch (IOException | RuntimeException e) {
      throw KilnException.user("k-NN model file " + file + " is not an hnswlib-core graph Kiln wrote (" + e.getMessage()
          + "): the model is damaged; train it again");
    }
  }
}
