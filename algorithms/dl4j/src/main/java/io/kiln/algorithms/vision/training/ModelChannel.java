package io.kiln.algorithms.vision.training;

import io.kiln.predict.ModelFiles;
import io.kiln.spi.ChannelObject;
import io.kiln.spi.KilnException;
import io.kiln.spi.WorkerContext;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Consumer;

/**
 * SageMaker's {@code model} channel for incremental training: an earlier job's {@code model.tar.gz}
 * (or its files, unpacked) whose network a DL4J built-in starts from.
 */
public final class ModelChannel {
    /** The channel's name. */
    public static final String NAME = "model";

    private ModelChannel() {
    }

    /**
     * Unpacks every object of the {@code model} channel ({@code .tar.gz}/{@code .tgz} archives
     * through {@link ModelFiles#unpack}, other objects copied by key) into a temporary directory,
     * hands it to {@code use} and deletes it.
     *
     * @throws KilnException USER when an object's key or an archive entry would land outside the
     *     directory, or an archive is not one; INTERNAL on a local I/O failure
     */
    public static void withFiles(WorkerContext ctx, Consumer<Path> use) {
        Path dir;
        try {
            dir = Files.createTempDirectory("kiln-model-channel");
        } catch (IOException e) {
            throw KilnException.internal("Cannot make a local directory for the model channel: " + e.getMessage(), e);
        }
        try {
            for (ChannelObject o : ctx.allObjects(NAME)) {
                try (InputStream in = new BufferedInputStream(o.open())) {
                    if (o.key().endsWith(".tar.gz") || o.key().endsWith(".tgz")) {
                        ModelFiles.unpack(in, dir, o.uri());
                    } else {
                        Path target = dir.resolve(o.key()).normalize();
                        if (!target.startsWith(dir)) {
                            throw KilnException.user("Channel 'model': " + o.uri() + " has a key outside the channel");
                        }
                        Files.createDirectories(target.getParent());
                        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            use.accept(dir);
        } catch (IOException e) {
            throw KilnException.internal("Cannot read the model channel: " + e.getMessage(), e);
        } finally {
            ModelFiles.delete(dir);
        }
    }
}
