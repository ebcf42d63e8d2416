package io.kiln.channel;

import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.DataObject;
import io.kiln.spi.KilnException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;

/**
 * Decides which worker reads which part of a channel. The plan depends only on the channel's
 * objects (their keys and sizes) and the worker count, so every attempt of a job, and every job on
 * the same data, assigns the same rows to the same worker.
 *
 * <ul>
 *   <li>FullyReplicated: the objects, in key order, are laid end to end and cut into as many
 *       contiguous, equal parts as there are workers (bytes for text and RecordIO, rows for
 *       Parquet). A compressed object cannot be cut and goes whole to the worker its middle falls
 *       in.
 *   <li>ShardedByS3Key: object {@code i} goes whole to worker {@code i mod workers}.
 * </ul>
 */
public final class SplitPlanner {
  private final Configuration conf;

  public SplitPlanner(Configuration conf) {
    this.conf = conf;
  }

  /** The splits of each worker, by rank. */
  public List<List<InputSplit>> plan(ChannelData channel, int workers) {
    List<Piece> pieces = pieces(channel);
    List<List<InputSplit>> plan = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      plan.add(new ArrayList<>());
    }
    if (channel.distribution() == DataDistribution.ShardedByS3Key) {
      if (pieces.size() < workers) {
        throw KilnException.user("Channel '" + channel.name() + "' is ShardedByS3Key but has " + pieces.size()
            + " object(s) for " + workers + " workers; each worker needs at least one object. Split the data "
            + "into more objects, use fewer workers, or use FullyReplicated");
      }
      for (int i = 0; i < pieces.size(); i++) {
        Piece p = pieces.get(i);
        plan.get(i % workers).add(p.whole());
      }
      return plan;
    }
    long total = pieces.stream().mapToLong(p -> p.size).sum();
    long offset = 0;
    for (Piece p : pieces) {
      long pieceStart = offset;
      long pieceEnd = offset + p.size;
      if (!p.divisible) {
        long middle = pieceStart + p.size / 2;
        plan.get(owner(middle, total, workers)).add(p.whole());
      } else {
        for (int w = owner(pieceStart, total, workers); w < workers; w++) {
          long wStart = boundary(w, total, workers);
          long wEnd = boundary(w + 1, total, workers);
          long from = Math.max(pieceStart, wStart);
          long to = Math.min(pieceEnd, wEnd);
          if (from >= pieceEnd) {
            break;
          }
          if (to > from) {
            plan.get(w).add(new InputSplit(p.uri, from - pieceStart, to - pieceStart, p.objectSize, p.unit, false));
          }
        }
      }
      offset = pieceEnd;
    }
    for (int w = 0; w < workers; w++) {
      if (plan.get(w).isEmpty()) {
        throw KilnException.user("Channel '" + channel.name() + "' cannot give each of the " + workers
            + " workers a share: worker " + w + " would get no data (" + pieces.size() + " object(s)"
            + (pieces.stream().anyMatch(p -> !p.divisible) ? ", compressed objects cannot be split" : "")
            + "). Use fewer workers or split the data into more objects");
      }
    }
    return plan;
  }

  private static long boundary(int w, long total, int workers) {
    return (long) ((double) total * w / workers);
  }

  private static int owner(long position, long total, int workers) {
    int w = (int) Math.min(workers - 1, (long) ((double) position * workers / Math.max(1, total)));
    while (w > 0 && boundary(w, total, workers) > position) {
      w--;
    }
    while (w < workers - 1 && boundary(w + 1, total, workers) <= position) {
      w++;
    }
    return w;
  }

  private List<Piece> pieces(ChannelData channel) {
    List<Piece> pieces = new ArrayList<>();
    if (channel.contentType() == ContentType.PARQUET) {
      for (DataObject o : channel.objects()) {
        if (o.size() == 0) {
          continue; // holds no rows, as in text channels (and is no Parquet file to open)
        }
        long rows = ParquetRows.count(o.uri(), conf);
        if (rows > 0) {
          pieces.add(new Piece(o.uri(), rows, o.size(), true, InputSplit.Unit.ROWS, false));
        }
      }
      return pieces;
    }
    for (DataObject o : channel.objects()) {
      if (o.size() == 0) {
        continue;
      }
      boolean gzip = channel.gzip() || o.uri().toLowerCase(Locale.ROOT).endsWith(".gz");
      pieces.add(new Piece(o.uri(), o.size(), o.size(), !gzip, InputSplit.Unit.BYTES, gzip));
    }
    return pieces;
  }

  private record Piece(String uri, long size, long objectSize, boolean divisible, InputSplit.Unit unit,
      boolean gzip) {
    InputSplit whole() {
      return new InputSplit(uri, 0, size, objectSize, unit, gzip);
    }
  }
}
