package io.kiln.spi;

/**
 * A metric an algorithm emits.
 *
 * @param name SageMaker's name, e.g. {@code validation:auc}
 * @param maximize true when larger is better
 */
public record MetricDescriptor(String name, boolean maximize) {}
