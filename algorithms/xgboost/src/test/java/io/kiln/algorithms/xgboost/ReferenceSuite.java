package io.kiln.algorithms.xgboost;

import io.kiln.testing.S3Files;
import io.kiln.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Types;

/**
 * The jobs of the XGBoost reference suite (issue 9's acceptance): each objective family × each
 * content type, on the shared real data sets, every eval metric of the family at once. This class
 * holds the data and writes the channels; {@code XGBoostReferenceTest} runs the jobs and compares.
 */
final class ReferenceSuite {
  /** Rounds per job: enough for every metric to move, cheap enough for 12 jobs. */
  static final int ROUNDS = 8;

  /** Container-only metrics, computed by Kiln (and by scikit-learn on the reference side). */
  static final Set<String> COMPUTED = Set.of("accuracy", "f1", "mse", "r2");

  /**
   * One objective family.
   *
   * @param name binary, multiclass, regression or ranking
   * @param rows label first, comma-separated (SageMaker's CSV convention)
   * @param qids each row's query id (ranking), or null
   * @param validation which rows are the validation channel (the rest train)
   * @param hyperparameters the job's hyperparameters, eval_metric included
   */
  record Family(String name, List<String> rows, int[] qids, boolean[] validation, Map<String, String> hyperparameters) {
    List<String> metrics() {
      return List.of(hyperparameters.get("eval_metric").split(","));
    }

    List<String> rows(boolean validationSet) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (validation[i] == validationSet) {
          out.add(rows.get(i));
        }
      }
      return out;
    }

    int[] qids(boolean validationSet) {
      if (qids == null) {
        return null;
      }
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        if (validation[i] == validationSet) {
          out.add(qids[i]);
        }
      }
      return out.stream().mapToInt(Integer::intValue).toArray();
    }
  }

  /** The content types of the suite, with the file name each channel's object gets. */
  enum Format {
    CSV("text/csv", "csv"),
    LIBSVM("text/libsvm", "libsvm"),
    PARQUET("application/x-parquet", "parquet");

    final String mime;
    final String extension;

    Format(String mime, String extension) {
      this.mime = mime;
      this.extension = extension;
    }
  }

  private ReferenceSuite() {}

  static List<Family> families() {
    List<Family> out = new ArrayList<>();
    out.add(family("binary", SharedData.breastCancer(), null, params("binary:logistic",
        "logloss,error,auc,aucpr,rmse,mae,accuracy,f1,mse,r2")));
    Map<String, String> multi = params("multi:softprob", "mlogloss,merror,accuracy,f1");
    multi.put("num_class", "3");
    out.add(family("multiclass", SharedData.wine(), null, multi));
    List<String> diabetes = SharedData.diabetes();
    out.add(family("regression", diabetes, null, params("reg:squarederror", "rmse,mae,mape,mphe,rmsle,mse,r2")));
    // ranking: queries of 17 consecutive patients, relevant (1) when their progression is above the
    // median; binary relevance because XGBoost 3's map refuses graded labels ("map can only be used
    // with binary labels") where 1.7 took them
    List<String> ranked = new ArrayList<>();
    double[] sorted = diabetes.stream().mapToDouble(r -> Double.parseDouble(r.substring(0, r.indexOf(',')))).sorted()
        .toArray();
    double median = sorted[sorted.length / 2];
    int[] qids = new int[diabetes.size()];
    for (int i = 0; i < diabetes.size(); i++) {
      String r = diabetes.get(i);
      double y = Double.parseDouble(r.substring(0, r.indexOf(',')));
      ranked.add((y > median ? "1" : "0") + r.substring(r.indexOf(',')));
      qids[i] = 1 + i / 17;
    }
    out.add(family("ranking", ranked, qids, params("rank:pairwise", "ndcg,map,ndcg@5,map@5,pre@5")));
    return out;
  }

  private static Map<String, String> params(String objective, String metrics) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("num_round", Integer.toString(ROUNDS));
    p.put("objective", objective);
    p.put("max_depth", "3");
    p.put("eta", "0.3");
    // above the row count: every distinct value is a split candidate on one machine and on two workers
    p.put("max_bin", "1024");
    p.put("eval_metric", metrics);
    return p;
  }

  /** Every fifth row validates (whole query groups for ranking). */
  private static Family family(String name, List<String> rows, int[] qids, Map<String, String> hyperparameters) {
    boolean[] validation = new boolean[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      validation[i] = (qids == null ? i : qids[i]) % 5 == 4;
    }
    return new Family(name, rows, qids, validation, hyperparameters);
  }

  /**
   * Writes one channel of {@code family} in {@code format} to {@code uri} (an S3 prefix, one
   * object) and, for the reference side, a local file native XGBoost reads: the same object for CSV
   * and LIBSVM, a CSV copy of the data columns for Parquet (pyarrow is not packaged here).
   * The Parquet file is written as pandas writes a shuffled frame: float columns and the frame's
   * index as a trailing {@code __index_level_0__} column named in the {@code pandas} metadata,
   * which Kiln must not train on.
   *
   * @return the local file for native XGBoost
   */
  static Path write(Configuration hadoop, Family family, Format format, boolean validationSet, String uri, Path dir) {
    List<String> rows = family.rows(validationSet);
    String channel = validationSet ? "validation" : "train";
    Path local = dir.resolve(family.name() + "-" + format.extension + "-" + channel + "."
        + (format == Format.PARQUET ? "csv" : format.extension));
    try {
      switch (format) {
        case CSV -> {
          Files.writeString(local, String.join("\n", rows) + "\n");
          S3Files.write(hadoop, uri + "part-0.csv", Files.readAllBytes(local));
        }
        case LIBSVM -> {
          Files.writeString(local, String.join("\n", libsvm(rows, family.qids(validationSet))) + "\n");
          S3Files.write(hadoop, uri + "part-0.libsvm", Files.readAllBytes(local));
        }
        case PARQUET -> {
          Files.writeString(local, String.join("\n", rows) + "\n");
          Path parquet = dir.resolve(family.name() + "-" + channel + ".parquet");
          writePandasParquet(parquet, rows);
          S3Files.write(hadoop, uri + "part-0.parquet", Files.readAllBytes(parquet));
        }
        default -> throw new IllegalStateException();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return local;
  }

  /**
   * Whether the line holding a LIBSVM file's middle byte (where two workers' shares meet) has the
   * qid of the line before it, so that the query is cut between the workers.
   */
  static boolean cutsAGroupInHalves(Path libsvm) throws IOException {
    String text = Files.readString(libsvm);
    int middle = (int) ((double) text.length() / 2);
    // a line belongs to the share it starts in: the first worker's last line starts before the middle
    int lastStart = text.lastIndexOf('\n', middle - 1) + 1;
    int nextStart = lastStart == middle ? middle : text.indexOf('\n', middle) + 1;
    int firstWorkersLast = lastStart == middle ? text.lastIndexOf('\n', middle - 2) + 1 : lastStart;
    return qid(text.substring(firstWorkersLast)).equals(qid(text.substring(nextStart)));
  }

  private static String qid(String line) {
    return line.split(" ")[1];
  }

  /** {@code label qid:n 0:v0 1:v1 ...}: every feature written, so the matrix is the CSV's. */
  static List<String> libsvm(List<String> rows, int[] qids) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      String[] cells = rows.get(i).split(",");
      StringBuilder b = new StringBuilder(cells[0]);
      if (qids != null) {
        b.append(" qid:").append(qids[i]);
      }
      for (int c = 1; c < cells.length; c++) {
        b.append(' ').append(c - 1).append(':').append(cells[c]);
      }
      out.add(b.toString());
    }
    return out;
  }

  private static void writePandasParquet(Path file, List<String> rows) throws IOException {
    int columns = rows.get(0).split(",").length;
    Types.MessageTypeBuilder schema = Types.buildMessage();
    StringBuilder pandas = new StringBuilder("{\"index_columns\": [\"__index_level_0__\"], \"column_indexes\": [], "
        + "\"columns\": [");
    for (int c = 0; c < columns; c++) {
      String name = c == 0 ? "label" : "f" + c;
      schema.optional(PrimitiveType.PrimitiveTypeName.FLOAT).named(name);
      pandas.append("{\"name\": \"").append(name).append("\", \"field_name\": \"").append(name)
          .append("\", \"pandas_type\": \"float32\", \"numpy_type\": \"float32\", \"metadata\": null}, ");
    }
    schema.optional(PrimitiveType.PrimitiveTypeName.INT64).named("__index_level_0__");
    pandas.append("{\"name\": null, \"field_name\": \"__index_level_0__\", \"pandas_type\": \"int64\", "
        + "\"numpy_type\": \"int64\", \"metadata\": null}], \"creator\": {\"library\": \"pyarrow\", "
        + "\"version\": \"14.0.1\"}, \"pandas_version\": \"2.1.4\"}");
    MessageType type = schema.named("schema");
    Files.deleteIfExists(file);
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toUri()))
        .withConf(new Configuration())
        .withType(type)
        .withExtraMetaData(Map.of("pandas", pandas.toString()))
        .build()) {
      for (int i = 0; i < rows.size(); i++) {
        String[] cells = rows.get(i).split(",");
        Group g = groups.newGroup();
        for (int c = 0; c < cells.length; c++) {
          g.append(type.getType(c).getName(), Float.parseFloat(cells[c]));
        }
        // a shuffled frame's index: a large, non-monotonic number a tree would happily split on
        g.append("__index_level_0__", (long) ((i * 7919L) % 100_003));
        writer.write(g);
      }
    }
  }
}
