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
 * long, float, double or boolean); a null is a missing value. Rows are addressed by their position
 * in the file, and only the row groups that hold a split's rows are read.
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
      List<Type> fields = schema.getFields();
      if (fields.size() < 1 + lead) {
        throw KilnException.user("Channel '" + channel + "': " + split.uri() + " has " + fields.size()
            + " column(s); Parquet channels need " + (labelled ? "the label first and " : "")
            + "at least one feature column");
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
          if (labelled && g.getFieldRepetitionCount(0) == 0) {
            throw KilnException.user("Channel '" + channel + "': " + split.uri() + " row " + (row + 1)
                + " has no label (the first column is null)");
          }
          out.startRow(labelled ? value(g, 0, fields.get(0).asPrimitiveType()) : 0f, 1f);
          for (int c = lead; c < fields.size(); c++) {
            out.value(g.getFieldRepetitionCount(c) == 0 ? Float.NaN : value(g, c, fields.get(c).asPrimitiveType()));
          }
        }
        rowBase += rows;
      }
    } catch (IOException e) {
      throw KilnException.user("Channel '" + channel + "': cannot read " + split.uri() + " as Parquet: "
          + e.getMessage(), e);
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
