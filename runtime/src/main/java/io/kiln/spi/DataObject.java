package io.kiln.spi;

import java.io.Serializable;

/**
 * One object (file) of a channel.
 *
 * @param uri the object's full URI, in the scheme Kiln reads it through
 * @param size its length in bytes
 */
public record DataObject(String uri, long size) implements Serializable {}
