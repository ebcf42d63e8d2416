package io.kiln.record;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.kiln.spi.KilnException;
import java.io.IOException;
import java.time.Instant;

/** The one JSON mapper for persisted state: absent fields omitted, timestamps as the AWS CLI prints them. */
public final class Json {
  public static final ObjectMapper MAPPER = create();

  private Json() {}

  private static ObjectMapper create() {
    SimpleModule times = new SimpleModule("aws-time");
    times.addSerializer(Instant.class, new AwsTime.Serializer());
    times.addDeserializer(Instant.class, new AwsTime.Deserializer());
    return new ObjectMapper()
        .registerModule(times)
        .setSerializationInclusion(JsonInclude.Include.NON_NULL)
        .enable(SerializationFeature.INDENT_OUTPUT)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw KilnException.internal("Cannot write JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code json} read with {@code reader} (e.g. one that skips some members).
   *
   * @throws KilnException INTERNAL naming {@code what} when it is not valid JSON of that type
   */
  public static <T> T read(String json, com.fasterxml.jackson.databind.ObjectReader reader, String what) {
    try {
      return reader.readValue(json);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + what + ": " + e.getMessage(), e);
    }
  }

  public static <T> T read(String json, Class<T> type, String what) {
    try {
      return MAPPER.readValue(json, type);
    } catch (IOException e) {
      throw KilnException.internal("Cannot read " + what + ": " + e.getMessage(), e);
    }
  }
}
