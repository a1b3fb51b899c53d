package dev.mambajvm.model.weights;

import dev.mambajvm.model.ModelFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

/**
 * One safetensors file, memory-mapped read-only: tensors are zero-copy slices of the mapping, so
 * opening a multi-gigabyte checkpoint costs page-table entries, not heap, and pages load on first
 * touch. The mapping lives in an arena: the file's own shared arena (closed by {@link #close()}), or a
 * caller's (then the caller's close unmaps, and {@link #close()} does nothing).
 */
public final class SafetensorsFile implements AutoCloseable {
    private final Path path;
    private final Arena arena;
    private final boolean ownsArena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, boolean ownsArena, SafetensorsHeader.Contents contents) {
        this.path = path;
        this.arena = arena;
        this.ownsArena = ownsArena;
        this.tensors = contents.tensors();
        this.metadata = contents.metadata();
    }

    /** Maps {@code path} in a new shared arena, closed by {@link #close()}. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            return open(path, arena, true);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Maps {@code path} in {@code arena}; the mapping lives until the caller closes the arena. */
    public static SafetensorsFile open(Path path, Arena arena) {
        return open(path, arena, false);
    }

    private static SafetensorsFile open(Path path, Arena arena, boolean ownsArena) {
        // The lang arrays read in native order; safetensors is little-endian.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("safetensors data is little-endian; this platform is big-endian");
        }
        MemorySegment bytes;
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            bytes = size == 0 ? MemorySegment.ofArray(new byte[0]) : channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (IOException e) {
            throw new ModelFormatException(path + ": cannot be opened (" + e + ")", e);
        }
        return new SafetensorsFile(path, arena, ownsArena, SafetensorsHeader.parse(path.toString(), bytes));
    }

    public Path path() {
        return path;
    }

    /** All tensors by name, in data-offset order. */
    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Optional<Tensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /** The tensor called {@code name}; a ModelFormatException naming the file when there is none. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path + ": no tensor \"" + name + "\"");
        }
        return t;
    }

    /** The {@code __metadata__} strings, e.g. {@code {"format": "pt"}}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Unmaps the file when it owns its arena; tensors of this file must not be used afterwards. */
    @Override
    public void close() {
        if (ownsArena && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
