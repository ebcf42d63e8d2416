package io.kiln.channel;

import java.io.Serializable;

/**
 * One whole object of a channel as it travels to a worker.
 *
 * @param uri the object's Hadoop URI
 * @param key its path relative to the channel prefix ({@link ObjectKeys})
 * @param size its stored length in bytes
 */
public record ObjectRef(String uri, String key, long size) implements Serializable {}
