package io.kiln.runner;

import io.kiln.spec.ChannelSpec;
import io.kiln.spec.Names;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.spi.S3DataType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides, once per job, which format each channel is read in: the channel's ContentType as written
 * (base type and parameters) matched against the formats its algorithm declares for that channel,
 * or the algorithm's default when the channel gives none.
 *
 * <p>The parameters of the runtime's row formats are checked here, because the runtime reads them:
 * {@code label_size} (SageMaker's: 0 for rows without a label, 1 for the label in the first
 * column, or for RecordIO-protobuf in each record's {@code label["values"]}; CSV, Parquet and
 * RecordIO-protobuf, LIBSVM only 1) and {@code charset} (UTF-8 or US-ASCII, for the text formats). Any other parameter of those formats is refused, so a misspelt {@code lable_size=0}
 * cannot silently read a feature as the label. The parameters of a format an algorithm declares
 * itself are the algorithm's to read ({@link io.kiln.spi.ChannelData#contentTypeParameters()}),
 * except {@code label_size}, which only row formats have.
 */
final class ChannelFormats {
  /** The parameters the runtime's row readers take. */
  static final List<String> ROW_PARAMETERS = List.of("label_size", "charset");

  private static final Set<String> CHARSETS = Set.of("utf-8", "utf8", "us-ascii", "ascii");

  private ChannelFormats() {}

  /**
   * Every channel's ContentType as written, parsed; the algorithm's default (no parameters) where
   * the channel gives none.
   *
   * @throws KilnException USER for a channel the algorithm does not read, a missing required one,
   *     or a ContentType that does not parse (empty, unclosed quote, a parameter given twice)
   */
  static Map<String, MediaType> mediaTypes(TrainingJobSpec spec, Algorithm<?> algorithm) {
    Map<String, ChannelRequirement> known = requirements(spec, algorithm);
    Map<String, MediaType> out = new LinkedHashMap<>();
    for (ChannelSpec c : spec.channels()) {
      ChannelRequirement r = known.get(c.name());
      if (c.contentType() == null) {
        out.put(c.name(), new MediaType(r.defaultContentType().mime(), Map.of()));
        continue;
      }
      try {
        out.put(c.name(), MediaType.parse(c.contentType()));
      } catch (KilnException e) {
        throw KilnException.user("Channel '" + c.name() + "': " + e.getMessage());
      }
    }
    return out;
  }

  /**
   * The format of each channel.
   *
   * @throws KilnException USER naming the channel, its ContentType and the ones the algorithm reads,
   *     or the parameter that is wrong and what it may be
   */
  static Map<String, ContentType> formats(TrainingJobSpec spec, Algorithm<?> algorithm,
      Map<String, MediaType> mediaTypes) {
    Map<String, ChannelRequirement> known = requirements(spec, algorithm);
    Map<String, ContentType> out = new LinkedHashMap<>();
    for (ChannelSpec c : spec.channels()) {
      ChannelRequirement r = known.get(c.name());
      if (c.dataType() == S3DataType.AugmentedManifestFile && !r.augmentedManifest()) {
        throw KilnException.user("Channel '" + c.name() + "' is an AugmentedManifestFile (dataType / S3DataType), "
            + "which " + algorithm.name() + " does not read on this channel: it reads the data objects themselves ("
            + ContentType.accepted(r.contentTypes()) + "). List them in a ManifestFile channel (a JSON list of a "
            + "prefix and keys) or put them under an S3Prefix");
      }
      MediaType written = mediaTypes.get(c.name());
      ContentType type = r.contentTypes().stream().filter(t -> t.matches(written.type())).findFirst()
          .orElseThrow(() -> KilnException.user("Channel '" + c.name() + "' has content type '" + c.contentType()
              + "', which " + algorithm.name() + " cannot read; use one of " + ContentType.accepted(r.contentTypes())));
      algorithm.checkContentType(c.name(), written, type);
      if (type != ContentType.ANY) { // passed on as written (a script reads the files itself)
        checkParameters(c.name(), type, written);
      }
      out.put(c.name(), type);
    }
    return out;
  }

  private static void checkParameters(String channel, ContentType type, MediaType written) {
    boolean rows = type.split() == ContentType.Split.ROWS;
    for (Map.Entry<String, String> p : written.parameters().entrySet()) {
      String name = p.getKey();
      String value = p.getValue();
      if (name.equals("label_size")) {
        if (!rows) {
          throw KilnException.user("Channel '" + channel + "' sets label_size for " + type.mime()
              + ", which has no label columns; remove the parameter");
        }
        if (!value.equals("0") && !value.equals("1")) {
          throw KilnException.user("Channel '" + channel + "' has content type parameter label_size=" + value
              + "; Kiln reads label_size=0 (no label) or label_size=1 (label in the first column)");
        }
        if (value.equals("0") && type.equals(ContentType.LIBSVM)) {
          throw KilnException.user("Channel '" + channel + "' is text/libsvm with label_size=0, but every LIBSVM "
              + "row starts with its label; use text/csv;label_size=0 for rows without labels");
        }
      } else if (!rows) {
        continue; // the algorithm's own format: its parameters are the algorithm's to read
      } else if (name.equals("charset") && !binary(type)) {
        if (!CHARSETS.contains(value.toLowerCase(Locale.ROOT))) {
          throw KilnException.user("Channel '" + channel + "' has content type parameter charset=" + value
              + "; Kiln reads " + type.mime() + " as UTF-8: convert the data to UTF-8 and write charset=utf-8 "
              + "or leave the parameter out");
        }
      } else {
        List<String> accepted = binary(type) ? List.of("label_size") : ROW_PARAMETERS;
        throw KilnException.user("Channel '" + channel + "' has content type parameter '" + name + "', which "
            + type.mime() + " does not take (it takes " + String.join(", ", accepted) + ")"
            + (Names.closest(name, accepted).isEmpty() ? "; remove it" : Names.suggestion(name, accepted)));
      }
    }
  }

  /** The runtime's binary row formats, which have no charset. */
  private static boolean binary(ContentType type) {
    return type.equals(ContentType.PARQUET) || type.equals(ContentType.RECORDIO_PROTOBUF);
  }

  private static Map<String, ChannelRequirement> requirements(TrainingJobSpec spec, Algorithm<?> algorithm) {
    Map<String, ChannelRequirement> known = new LinkedHashMap<>();
    algorithm.channels().forEach(r -> known.put(r.name(), r));
    for (ChannelRequirement r : algorithm.channels()) {
      if (r.required() && spec.channel(r.name()).isEmpty()) {
        throw KilnException.user("Job '" + spec.name() + "' has no '" + r.name() + "' channel, which "
            + algorithm.name() + " requires");
      }
    }
    ChannelRequirement any = known.remove(ChannelRequirement.ANY_CHANNEL);
    for (ChannelSpec c : spec.channels()) {
      if (any != null) {
        known.putIfAbsent(c.name(), any); // an algorithm that reads channels of any name
      }
      if (!known.containsKey(c.name())) {
        throw KilnException.user("Channel '" + c.name() + "' is not one " + algorithm.name() + " reads"
            + Names.suggestion(c.name(), known.keySet()) + "; it reads " + String.join(", ", known.keySet()));
      }
    }
    return known;
  }
}
