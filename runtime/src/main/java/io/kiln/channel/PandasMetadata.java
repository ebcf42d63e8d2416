package io.kiln.channel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code pandas} key of a Parquet file's key-value metadata, which pyarrow and fastparquet write
 * when they save a pandas DataFrame: a JSON object whose {@code index_columns} lists the index, each
 * entry the name of a stored column ({@code "__index_level_0__"}, or the index's own name) or, for a
 * RangeIndex stored as metadata only, an object ({@code {"kind": "range", ...}}) that names no
 * column. Reference: the pandas metadata specification in Apache Arrow's documentation
 * ("Storing pandas DataFrame objects in Apache Parquet format").
 */
final class PandasMetadata {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PandasMetadata() {}

  /**
   * The names of the stored columns that are the DataFrame's index; empty when {@code json} is null,
   * names none, or is not the JSON object pandas writes (then pandas could not restore an index
   * either, and every column is data).
   *
   * @param json the value of the {@code pandas} metadata key, or null
   */
  static Set<String> indexColumns(String json) {
    Set<String> out = new LinkedHashSet<>();
    if (json == null || json.isBlank()) {
      return out;
    }
    try {
      JsonNode index = MAPPER.readTree(json).path("index_columns");
      for (JsonNode n : index) {
        if (n.isTextual()) {
          out.add(n.asText());
        }
      }
    } catch (IOException e) {
      return Set.of();
    }
    return out;
  }
}
