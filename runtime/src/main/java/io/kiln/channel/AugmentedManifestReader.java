package io.kiln.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.spi.AugmentedManifestHandler;
import io.kiln.spi.BadRecordException;
import io.kiln.spi.ChannelData;
import io.kiln.spi.ContentType;
import io.kiln.spi.DataDistribution;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.storage.Uris;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads one worker's share of an AugmentedManifestFile channel: the manifest's lines (JSON Lines,
 * SageMaker's augmented manifest format), each to exactly one worker, parsed into
 * {@link io.kiln.spi.AugmentedManifestRecord}s of the channel's AttributeNames. Blank lines are
 * skipped.
 *
 * <p>Every error names the channel, the manifest as the user wrote it and the line number (counted
 * from the start of the manifest: a worker whose share starts inside the manifest first counts the
 * line ends before it).
 */
public final class AugmentedManifestReader {
  /** How a manifest is planned: as text lines, cut at line boundaries. */
  private static final ContentType MANIFEST_LINES = ContentType.of("application/jsonlines", ContentType.Split.LINES);
  static final ObjectMapper JSON = new ObjectMapper();

  private final Configuration conf;
  private final String channel;
  private final String manifestUri;
  private final List<String> attributeNames;
  private final boolean gzip;
  /** Whether the cluster serves s3:// itself (EMRFS), decided once rather than for every line. */
  private final boolean servesS3;

  /**
   * @param conf the storage settings
   * @param channel the channel
   * @param manifestUri the manifest as the user wrote it (for messages, and the schemes its
   *     {@code -ref}s may use)
   * @param attributeNames the channel's AttributeNames
   * @param gzip whether referenced objects are gzip-compressed (the channel's CompressionType)
   */
  public AugmentedManifestReader(Configuration conf, String channel, String manifestUri, List<String> attributeNames,
      boolean gzip) {
    this.conf = conf;
    this.channel = channel;
    this.manifestUri = manifestUri;
    this.attributeNames = List.copyOf(attributeNames);
    this.gzip = gzip;
    this.servesS3 = Uris.servesS3(conf);
  }

  /**
   * The splits of an AugmentedManifestFile channel's manifest by worker: byte ranges cut at line
   * boundaries, so each line goes to exactly one worker, whatever the channel's distribution (the
   * manifest is one object; a gzip manifest is read whole by one worker).
   */
  public static List<List<InputSplit>> plan(SplitPlanner planner, ChannelData channel, int workers) {
    return planner.plan(new ChannelData(channel.name(), channel.uri(), MANIFEST_LINES,
        DataDistribution.FullyReplicated, false, channel.objects()), workers);
  }

  /**
   * Hands each record of {@code splits} (this worker's share) to {@code handler}, in manifest order.
   *
   * @throws KilnException USER naming the manifest and line for a line that is not a JSON object
   *     with every attribute, a malformed {@code -ref}, or a {@link BadRecordException} of the
   *     handler; ALGORITHM for any other exception of the handler; a KilnException of the handler
   *     passes unchanged
   */
  public void read(List<InputSplit> splits, AugmentedManifestHandler handler) {
    ChannelLines lines = new ChannelLines(conf);
    for (InputSplit split : splits) {
      long[] number = {firstLine(split) - 1};
      lines.read(channel, List.of(split), line -> {
        long n = ++number[0];
        if (line.isBlank()) {
          return;
        }
        try {
          handler.record(AugmentedManifestLine.parse(line, n, this));
        } catch (BadRecordException e) {
          throw KilnException.user(at(n) + (e.getMessage() == null ? "the algorithm refused the line"
              : e.getMessage()));
        } catch (KilnException e) {
          throw e;
        } catch (Exception e) {
          throw new KilnException(ErrorType.ALGORITHM, at(n) + "the algorithm failed on the record: "
              + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
        }
      });
    }
  }

  /** The start of every message about line {@code n}. */
  String at(long n) {
    return "Channel '" + channel + "': augmented manifest " + manifestUri + " line " + n + ": ";
  }

  List<String> attributeNames() {
    return attributeNames;
  }

  String manifestUri() {
    return manifestUri;
  }

  Configuration conf() {
    return conf;
  }

  boolean gzip() {
    return gzip;
  }

  /** The URI Kiln reads an object URI of a line through ({@link Uris#toHadoopUri}). */
  String hadoopUri(String uri) {
    return uri.regionMatches(true, 0, "s3:", 0, 3) && !servesS3 ? "s3a" + uri.substring(2) : uri;
  }

  /**
   * The number of the first line a split reads: 1 at the start of the manifest; otherwise the
   * split's first line is the one after the line holding byte {@code start - 1}, so it is 2 plus
   * the line ends in {@code [0, start - 1)}.
   */
  private long firstLine(InputSplit split) {
    if (split.start() == 0 || split.gzip()) {
      return 1;
    }
    Path path = new Path(split.uri());
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      long ends = 0;
      long left = split.start() - 1;
      byte[] buf = new byte[1 << 16];
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          break;
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            ends++;
          }
        }
        left -= n;
      }
      return ends + 2;
    } catch (IOException e) {
      throw KilnException.internal("Channel '" + channel + "': cannot read the augmented manifest " + manifestUri
          + ": " + e.getMessage(), e);
    }
  }
}
