package io.kiln.job;

import io.kiln.spec.ChannelSpec;
import io.kiln.spec.Names;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ChannelRequirement;
import io.kiln.spi.ContentType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides, once per job, which format each channel is read in: the channel's ContentType as written
 * (base type and parameters) matched against the formats its algorithm declares for that channel,
 * or the algorithm's default when the channel gives none.
 */
final class ChannelFormats {
  private ChannelFormats() {}

  /**
   * Every channel's ContentType as written, parsed; the algorithm's default (no parameters) where
   * the channel gives none.
   *
   * @throws KilnException USER for a channel the algorithm does not read, a missing required one,
   *     or an empty ContentType
   */
  static Map<String, MediaType> mediaTypes(TrainingJobSpec spec, Algorithm<?> algorithm) {
    Map<String, ChannelRequirement> known = requirements(spec, algorithm);
    Map<String, MediaType> out = new LinkedHashMap<>();
    for (ChannelSpec c : spec.channels()) {
      ChannelRequirement r = known.get(c.name());
      out.put(c.name(), c.contentType() == null ? new MediaType(r.defaultContentType().mime(), Map.of())
          : MediaType.parse(c.contentType()));
    }
    return out;
  }

  /**
   * The format of each channel.
   *
   * @throws KilnException USER naming the channel, its ContentType and the ones the algorithm reads
   */
  static Map<String, ContentType> formats(TrainingJobSpec spec, Algorithm<?> algorithm,
      Map<String, MediaType> mediaTypes) {
    Map<String, ChannelRequirement> known = requirements(spec, algorithm);
    Map<String, ContentType> out = new LinkedHashMap<>();
    for (ChannelSpec c : spec.channels()) {
      ChannelRequirement r = known.get(c.name());
      MediaType written = mediaTypes.get(c.name());
      ContentType type = r.contentTypes().stream().filter(t -> t.matches(written.type())).findFirst()
          .orElseThrow(() -> KilnException.user("Channel '" + c.name() + "' has content type '"
              + (c.contentType() == null ? written.type() : c.contentType()) + "', which " + algorithm.name()
              + " cannot read; use one of " + ContentType.accepted(r.contentTypes())));
      String labelSize = written.parameter("label_size");
      if (labelSize != null) {
        if (type.split() != ContentType.Split.ROWS) {
          throw KilnException.user("Channel '" + c.name() + "' sets label_size for " + type.mime()
              + ", which has no label columns; remove the parameter");
        }
        if (!labelSize.equals("0") && !labelSize.equals("1")) {
          throw KilnException.user("Channel '" + c.name() + "' has content type parameter label_size=" + labelSize
              + "; Kiln reads label_size=0 (no label) or label_size=1 (label in the first column)");
        }
        if (labelSize.equals("0") && type.equals(ContentType.LIBSVM)) {
          throw KilnException.user("Channel '" + c.name() + "' is text/libsvm with label_size=0, but every LIBSVM "
              + "row starts with its label; use text/csv;label_size=0 for rows without labels");
        }
      }
      out.put(c.name(), type);
    }
    return out;
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
    for (ChannelSpec c : spec.channels()) {
      if (!known.containsKey(c.name())) {
        throw KilnException.user("Channel '" + c.name() + "' is not one " + algorithm.name() + " reads"
            + Names.suggestion(c.name(), known.keySet()) + "; it reads " + String.join(", ", known.keySet()));
      }
    }
    return known;
  }
}
