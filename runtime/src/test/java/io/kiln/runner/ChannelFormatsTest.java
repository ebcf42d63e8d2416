package io.kiln.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiln.spec.SpecReader;
import io.kiln.spec.TrainingJobSpec;
import io.kiln.spi.Algorithm;
import io.kiln.spi.ContentType;
import io.kiln.spi.ErrorType;
import io.kiln.spi.KilnException;
import io.kiln.spi.MediaType;
import io.kiln.testing.AccessLevelsAlgorithm;
import io.kiln.testing.CountingAlgorithm;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each channel's format, decided once per job from its ContentType and what its algorithm reads. */
class ChannelFormatsTest {
  private static final Algorithm<?> COUNTING = new CountingAlgorithm();
  private static final Algorithm<?> ACCESS = new AccessLevelsAlgorithm();

  @Test
  void aChannelWithoutContentTypeGetsTheAlgorithmsDefault() {
    TrainingJobSpec spec = spec("counting", "{\"name\": \"train\", \"uri\": \"s3://b/t/\"}");

    assertThat(ChannelFormats.mediaTypes(spec, COUNTING)).containsExactly(
        Map.entry("train", new MediaType("text/csv", Map.of())));
    assertThat(formats(spec, COUNTING)).containsExactly(Map.entry("train", ContentType.CSV));
  }

  @Test
  void parametersAreKeptAndTheFormatFoundByItsBaseType() {
    TrainingJobSpec spec = spec("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"Text/CSV; Label_Size=0; charset=UTF-8\"}",
        "{\"name\": \"validation\", \"uri\": \"s3://b/v/\", \"contentType\": \"csv;label_size=1\"}");

    Map<String, MediaType> written = ChannelFormats.mediaTypes(spec, COUNTING);
    assertThat(written.get("train").parameters()).containsExactly(Map.entry("label_size", "0"),
        Map.entry("charset", "UTF-8"));
    assertThat(formats(spec, COUNTING)).containsExactly(Map.entry("train", ContentType.CSV),
        Map.entry("validation", ContentType.CSV));
  }

  @Test
  void algorithmDeclaredTypesAreMatchedByMimeOrAliasAndKeepTheirParameters() {
    TrainingJobSpec spec = spec("access-levels",
        "{\"name\": \"lines\", \"uri\": \"s3://b/l/\", \"contentType\": \"application/x-jsonlines; schema=v2\"}",
        "{\"name\": \"images\", \"uri\": \"s3://b/i/\", \"contentType\": \"Application/X-Image\"}",
        "{\"name\": \"files\", \"uri\": \"s3://b/f/\"}",
        "{\"name\": \"rows\", \"uri\": \"s3://b/r/\", \"contentType\": \"application/x-parquet;label_size=0\"}");

    Map<String, ContentType> formats = formats(spec, ACCESS);
    assertThat(formats).containsExactly(Map.entry("lines", AccessLevelsAlgorithm.JSON_LINES),
        Map.entry("images", AccessLevelsAlgorithm.IMAGE), Map.entry("files", AccessLevelsAlgorithm.FILES),
        Map.entry("rows", ContentType.PARQUET));
    assertThat(formats.get("lines").split()).isEqualTo(ContentType.Split.LINES);
    assertThat(formats.get("images").split()).isEqualTo(ContentType.Split.OBJECTS);
    assertThat(ChannelFormats.mediaTypes(spec, ACCESS).get("lines").parameters())
        .containsExactly(Map.entry("schema", "v2"));
  }

  @Test
  void anAugmentedManifestIsAcceptedOnlyOnAChannelThatDeclaresOneAndAManifestFileEverywhere() {
    TrainingJobSpec spec = spec("access-levels",
        "{\"name\": \"labelled\", \"uri\": \"s3://b/l.jsonl\", \"dataType\": \"AugmentedManifestFile\", "
            + "\"attributeNames\": [\"source-ref\"]}",
        "{\"name\": \"images\", \"uri\": \"s3://b/i.manifest\", \"dataType\": \"ManifestFile\"}");

    assertThat(formats(spec, ACCESS)).containsExactly(Map.entry("labelled", AccessLevelsAlgorithm.IMAGE),
        Map.entry("images", AccessLevelsAlgorithm.IMAGE));
    assertThat(userError("counting", "{\"name\": \"train\", \"uri\": \"s3://b/t.jsonl\", \"dataType\": "
        + "\"AugmentedManifestFile\", \"attributeNames\": [\"source-ref\", \"label\"]}"))
        .hasMessage("Channel 'train' is an AugmentedManifestFile (dataType / S3DataType), which counting does not "
            + "read on this channel: it reads the data objects themselves (text/csv, text/libsvm). List them in a "
            + "ManifestFile channel (a JSON list of a prefix and keys) or put them under an S3Prefix");
  }

  @Test
  void aTypeTheAlgorithmDoesNotReadNamesTheAlgorithmAndItsTypes() {
    assertThat(userError("counting", "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/plain\"}"))
        .hasMessage("Channel 'train' has content type 'text/plain', which counting cannot read; use one of text/csv, "
            + "text/libsvm");
    assertThat(userError("access-levels",
        "{\"name\": \"lines\", \"uri\": \"s3://b/t/\", \"contentType\": \"application/x-image\"}"))
        .hasMessage("Channel 'lines' has content type 'application/x-image', which access-levels cannot read; use one "
            + "of application/jsonlines, text/csv");
  }

  @Test
  void labelSizeIsZeroOrOne() {
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv;label_size=2\"}"))
        .hasMessage("Channel 'train' has content type parameter label_size=2; Kiln reads label_size=0 (no label) or "
            + "label_size=1 (label in the first column)");
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv;label_size\"}"))
        .hasMessage("Channel 'train' has content type parameter label_size=; Kiln reads label_size=0 (no label) or "
            + "label_size=1 (label in the first column)");
  }

  @Test
  void libSvmWithoutLabelsIsRefused() {
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/libsvm; label_size=0\"}"))
        .hasMessage("Channel 'train' is text/libsvm with label_size=0, but every LIBSVM row starts with its label; use "
            + "text/csv;label_size=0 for rows without labels");
    TrainingJobSpec labelled = spec("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/libsvm; label_size=1\"}");
    assertThat(formats(labelled, COUNTING)).containsExactly(Map.entry("train", ContentType.LIBSVM));
  }

  @Test
  void labelSizeBelongsToRowFormatsOnly() {
    assertThat(userError("access-levels",
        "{\"name\": \"lines\", \"uri\": \"s3://b/t/\", \"contentType\": \"application/jsonlines;label_size=0\"}"))
        .hasMessage("Channel 'lines' sets label_size for application/jsonlines, which has no label columns; remove the "
            + "parameter");
  }

  @Test
  void otherParametersOfRowFormatsAreRefusedSoATypoCannotReadAFeatureAsTheLabel() {
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; lable_size=0\"}"))
        .hasMessage("Channel 'train' has content type parameter 'lable_size', which text/csv does not take (it takes "
            + "label_size, charset); did you mean 'label_size'?");
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; header=present\"}"))
        .hasMessage("Channel 'train' has content type parameter 'header', which text/csv does not take (it takes "
            + "label_size, charset); remove it");
    assertThat(userError("access-levels",
        "{\"name\": \"rows\", \"uri\": \"s3://b/t/\", \"contentType\": \"application/x-parquet; charset=utf-8\"}"))
        .hasMessage("Channel 'rows' has content type parameter 'charset', which application/x-parquet does not take "
            + "(it takes label_size); remove it");
  }

  @Test
  void recordIoProtobufIsARowFormatByItsMimeTypeOrSageMakersShortNameAndTakesLabelSizeOnly() {
    TrainingJobSpec spec = spec("access-levels",
        "{\"name\": \"rows\", \"uri\": \"s3://b/r/\", \"contentType\": \"application/x-recordio-protobuf;label_size=0\"}");
    assertThat(formats(spec, ACCESS)).containsExactly(Map.entry("rows", ContentType.RECORDIO_PROTOBUF));
    assertThat(ContentType.RECORDIO_PROTOBUF.split()).isEqualTo(ContentType.Split.ROWS);
    assertThat(formats(spec("access-levels",
        "{\"name\": \"rows\", \"uri\": \"s3://b/r/\", \"contentType\": \"RecordIO-Protobuf\"}"), ACCESS))
        .containsExactly(Map.entry("rows", ContentType.RECORDIO_PROTOBUF));
    assertThat(userError("access-levels",
        "{\"name\": \"rows\", \"uri\": \"s3://b/t/\", \"contentType\": \"application/x-recordio-protobuf; charset=utf-8\"}"))
        .hasMessage("Channel 'rows' has content type parameter 'charset', which application/x-recordio-protobuf does "
            + "not take (it takes label_size); remove it");
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"application/x-recordio-protobuf\"}"))
        .as("an algorithm that does not declare it").hasMessage("Channel 'train' has content type "
            + "'application/x-recordio-protobuf', which counting cannot read; use one of text/csv, text/libsvm");
  }

  @Test
  void textIsReadAsUtf8() {
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; charset=ISO-8859-1\"}"))
        .hasMessage("Channel 'train' has content type parameter charset=ISO-8859-1; Kiln reads text/csv as UTF-8: "
            + "convert the data to UTF-8 and write charset=utf-8 or leave the parameter out");
    assertThat(formats(spec("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; charset=\\\"UTF-8\\\"\"}"),
        COUNTING)).containsEntry("train", ContentType.CSV);
  }

  @Test
  void aContentTypeThatDoesNotParseNamesTheChannel() {
    assertThat(userError("counting", "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \" \"}"))
        .hasMessage("Channel 'train': Content type ' ' has no MIME type; write e.g. text/csv");
    assertThat(userError("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; label_size=0; label_size=1\"}"))
        .hasMessage("Channel 'train': Content type 'text/csv; label_size=0; label_size=1' gives parameter 'label_size' "
            + "twice; keep one");
  }

  @Test
  void unknownAndMissingChannelsAreRefusedFirst() {
    assertThat(userError("counting", "{\"name\": \"trian\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv\"}"))
        .hasMessage("Job 'formats' has no 'train' channel, which counting requires");
    assertThat(userError("counting", "{\"name\": \"train\", \"uri\": \"s3://b/t/\"}",
        "{\"name\": \"validatoin\", \"uri\": \"s3://b/v/\"}"))
        .hasMessage("Channel 'validatoin' is not one counting reads; did you mean 'validation'?; it reads train, "
            + "validation");
  }

  @Test
  void anAlgorithmReadingAnyChannelTakesEveryNameAndContentTypeAsWholeObjects() throws Exception {
    Algorithm<?> any = new Algorithm<Object>() { // as a script job's algorithm declares its channels
      @Override
      public String name() {
        return "any";
      }

      @Override
      public java.util.Set<String> imageRepositories() {
        return java.util.Set.of();
      }

      @Override
      public java.util.List<io.kiln.spi.ChannelRequirement> channels() {
        return java.util.List.of(io.kiln.spi.ChannelRequirement.anyChannel());
      }

      @Override
      public java.util.List<io.kiln.spi.MetricDescriptor> metrics(Map<String, String> h, java.util.Set<String> c) {
        return java.util.List.of();
      }

      @Override
      public Object hyperparameters(Map<String, String> raw) {
        return raw;
      }

      @Override
      public io.kiln.spi.TrainingOutcome train(io.kiln.spi.TrainingContext context, Object hyperparameters) {
        throw new UnsupportedOperationException();
      }
    };
    TrainingJobSpec spec = spec("counting",
        "{\"name\": \"train\", \"uri\": \"s3://b/t/\", \"contentType\": \"text/csv; label_size=0; header=present\"}",
        "{\"name\": \"my-images\", \"uri\": \"s3://b/i/\", \"contentType\": \"application/x-image\"}",
        "{\"name\": \"config\", \"uri\": \"s3://b/c/\"}");
    assertThat(formats(spec, any)).containsExactly(Map.entry("train", ContentType.ANY),
        Map.entry("my-images", ContentType.ANY), Map.entry("config", ContentType.ANY));
    assertThat(ContentType.ANY.split()).isEqualTo(ContentType.Split.OBJECTS);
    // parameters pass through unchecked (the script reads them from inputdataconfig.json)
    assertThat(ChannelFormats.mediaTypes(spec, any).get("train").parameters())
        .containsExactly(Map.entry("label_size", "0"), Map.entry("header", "present"));
    // one constant on every executor
    var bytes = new java.io.ByteArrayOutputStream();
    try (var out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(ContentType.ANY);
    }
    try (var in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      assertThat(in.readObject()).isSameAs(ContentType.ANY);
    }
  }

  private static Map<String, ContentType> formats(TrainingJobSpec spec, Algorithm<?> algorithm) {
    return ChannelFormats.formats(spec, algorithm, ChannelFormats.mediaTypes(spec, algorithm));
  }

  private static KilnException userError(String algorithm, String... channels) {
    TrainingJobSpec spec = spec(algorithm, channels);
    Algorithm<?> a = algorithm.equals("counting") ? COUNTING : ACCESS;
    KilnException e = catchThrowableOfType(() -> formats(spec, a), KilnException.class);
    assertThat(e).as("no error for %s", String.join(", ", channels)).isNotNull();
    assertThat(e.type()).isEqualTo(ErrorType.USER);
    return e;
  }

  private static TrainingJobSpec spec(String algorithm, String... channels) {
    return SpecReader.readTrainingJob("""
        {"name": "formats", "algorithm": "%s", "hyperparameters": {"rounds": "1"},
         "channels": [%s], "outputPath": "s3://b/out/"}
        """.formatted(algorithm, String.join(", ", channels)), "test");
  }
}
