package io.kiln.channel;

import io.kiln.spi.KilnException;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Parquet channels: the label is the first column, every other column a numeric feature (int,
 * long, float, double or boolean); a null or NaN is a missing value. Rows are addressed by their
 * position in the file, and only the row groups that hold a split's rows are read.
 *
 * <p>Columns a file's {@code pandas} metadata names as its index ({@code index_columns}, such as
 * the {@code __index_level_0__} pandas adds to a frame after a split or shuffle) are neither label
 * nor feature: SageMaker's XGBoost container reads Parquet with pandas, which restores them as the
 * index. A missing (null or NaN) label and infinite values are refused, naming the row.
 */
final class ParquetRows {
  private ParquetRows() {}

  static long count(String uri, Configuration conf) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(uri), conf))) {
      return r.getRecordCount();
    } catch (IOException | RuntimeException e) {
      throw KilnException.user("Cannot read " + uri + " as Parquet: " + e.getMessage()
          + ". Check the channel's content type", e);
    }
  }

  static void read(InputSplit split, String channel, LabeledDataBuilder out, Configuration conf) {
    read(split, channel, out, conf, true);
  }

  /** Reads a split; without a label ({@code labelled} false) every column is a feature. */
  static void read(InputSplit split, String channel, LabeledDataBuilder out, Configuration conf, boolean labelled) {
    int lead = labelled ? 1 : 0;
    Path path = new Path(split.uri());
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(path, conf))) {
      MessageType schema = r.getFooter().getFileMetaData().getSchema();
      List<Type> all = schema.getFields();
      java.util.Set<String> index = PandasMetadata.indexColumns(
          r.getFooter().getFileMetaData().getKeyValueMetaData().get("pandas"));
      // positions (in the file's schema) of the columns that are data: the label, then the features
      List<Integer> data = new java.util.ArrayList<>();
      for (int c = 0; c < all.size(); c++) {
        if (!index.contains(all.get(c).getName())) {
          data.add(c);
        }
      }
      List<Type> fields = data.stream().map(all::get).toList();
      if (fields.size() < 1 + lead) {
        throw KilnException.user("Channel '" + channel + "': " + split.uri() + " has " + fields.size()
            + " column(s)" + (index.isEmpty() ? "" : " besides its pandas index " + index)
            + "; Parquet channels need " + (labelled ? "the label first and " : "") + "at least one feature column");
      }
      for (Type f : fields) {
        if (!f.isPrimitive() || f.isRepetition(Type.Repetition.REPEATED) || !numeric(f.asPrimitiveType())) {
          throw KilnException.user("Channel '" + channel + "': column '" + f.getName() + "' of " + split.uri()
              + " is " + f + "; every column must be a single number (int, long, float, double or boolean)");
        }
      }
      if (out.columns() < 0) {
        out.setColumns(fields.size() - lead);
      } else if (out.columns() != fields.size() - lead) {
        throw KilnException.user("Channel '" + channel + "': " + split.uri() + " has " + (fields.size() - lead)
            + " feature columns, but files before it have " + out.columns());
      }
      long rowBase = 0;
      for (BlockMetaData block : r.getRowGroups()) {
        long rows = block.getRowCount();
        if (rowBase + rows <= split.start()) {
          r.skipNextRowGroup();
          rowBase += rows;
          continue;
        }
        if (rowBase >= split.end()) {
          break;
        }
        PageReadStore pages = r.readNextRowGroup();
        RecordReader<Group> records = new ColumnIOFactory().getColumnIO(schema)
            .getRecordReader(pages, new GroupRecordConverter(schema));
        for (long i = 0; i < rows; i++) {
          Group g = records.read();
          long row = rowBase + i;
          if (row < split.start() || row >= split.end()) {
            continue;
          }
          float label = 0f;
          if (labelled) {
            int c = data.get(0);
            label = g.getFieldRepetitionCount(c) == 0 ? Float.NaN : value(g, c, all.get(c).asPrimitiveType());
            if (label != label) {
              throw KilnException.user("Channel '" + channel + "': " + split.uri() + " row " + (row + 1)
                  + " has no label (its first column '" + all.get(c).getName() + "' is "
                  + (g.getFieldRepetitionCount(c) == 0 ? "null" : "NaN") + "); every row needs a label");
            }
            checkFinite(label, channel, split, row, all.get(c).getName());
          }
          out.startRow(label, 1f);
          for (int k = lead; k < data.size(); k++) {
            int c = data.get(k);
            if (g.getFieldRepetitionCount(c) == 0) {
              out.value(Float.NaN);
            } else {
              float v = value(g, c, all.get(c).asPrimitiveType());
              checkFinite(v, channel, split, row, all.get(c).getName());
              out.value(v);
            }
          }
        }
        rowBase += rows;
      }
    } catch (IOException e) {
      throw KilnException.user("Channel '" + channel + "': cannot read " + split.uri() + " as Parquet: "
          + e.getMessage(), e);
    }
  }

  private static void checkFinite(float v, String channel, InputSplit split, long row, String column) {
    if (Float.isInfinite(v)) {
      throw KilnException.user("Channel '" + channel + "': " + split.uri() + " row " + (row + 1) + " column '" + column
          + "' is " + v + " (infinite, or beyond a 32-bit float's ±3.4028235e38); replace it with a finite number, "
          + "or null for a missing value");
    }
  }

  private static boolean numeric(PrimitiveType t) {
    return switch (t.getPrimitiveTypeName()) {
      case INT32, INT64, FLOAT, DOUBLE, BOOLEAN -> true;
      default -> false;
    };
  }

  private static float value(Group g, int field, PrimitiveType t) {
    return switch (t.getPrimitiveTypeName()) {
      case INT32 -> g.getInteger(field, 0);
      case INT64 -> g.getLong(field, 0);
      case FLOAT -> g.getFloat(field, 0);
      case DOUBLE -> (float) g.getDouble(field, 0);
      case BOOLEAN -> g.getBoolean(field, 0) ? 1f : 0f;
      default -> throw new IllegalStateException("checked above");
    };
  }
}
