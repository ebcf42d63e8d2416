package io.kiln.algorithms.vision.images;

import io.kiln.spi.KilnException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * SageMaker Image Classification's {@code augmentation_type} hyperparameter: which random
 * augmentations training applies (validation and prediction never augment). What each turns on is
 * SageMaker's documented meaning; see {@link Augmenter} for the exact transforms.
 */
public enum AugmentationType {
  /** No augmentation (the hyperparameter unset): a center crop, as validation. */
  NONE("none"),
  /** A random crop and a random horizontal mirror. */
  CROP("crop"),
  /** {@link #CROP} plus random hue, saturation and lightness offsets (in HLS). */
  CROP_COLOR("crop_color"),
  /** {@link #CROP_COLOR} plus a random rotation, shear and aspect-ratio change. */
  CROP_COLOR_TRANSFORM("crop_color_transform");

  private final String value;

  AugmentationType(String value) {
    this.value = value;
  }

  /** The hyperparameter's spelling ({@code crop}, ...; {@code none} for no augmentation). */
  public String value() {
    return value;
  }

  /**
   * Parses the hyperparameter value (case-insensitive); null or blank is {@link #NONE}.
   *
   * @throws KilnException USER naming the hyperparameter and the accepted values
   */
  public static AugmentationType fromHyperparameter(String text) {
    if (text == null || text.isBlank()) {
      return NONE;
    }
    String wanted = text.trim().toLowerCase(Locale.ROOT);
    for (AugmentationType type : values()) {
      if (type.value.equals(wanted)) {
        return type;
      }
    }
    throw KilnException.user("hyperparameter augmentation_type is '" + text + "'; use one of "
        + Arrays.stream(values()).filter(t -> t != NONE).map(t -> t.value).collect(Collectors.joining(", "))
        + " (or leave it unset for no augmentation)");
  }
}
