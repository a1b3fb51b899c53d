package dev.mambajvm.model.weights;

import dev.mambajvm.lang.DType;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes a safetensors file: tensors in the order added, packed with no gaps, the header padded with
 * spaces to a multiple of 8 bytes so every tensor is 8-byte aligned (as the reference writer does).
 * For converted or re-typed checkpoints and test fixtures; data is copied, so keep files small or
 * stream shards one by one.
 */
public final class SafetensorsWriter {
    private record Pending(DType dtype, long[] shape, MemorySegment data) {}

    private final Map<String, Pending> tensors = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a tensor; {@code data} holds dtype × shape bytes, little-endian. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment data) {
        SafetensorsDType.code(dtype); // rejects I32/I64
        long bytes = Tensor.elementCount(shape) * dtype.byteSize();
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes, expected " + bytes);
        }
        if (name.equals("__metadata__") || tensors.putIfAbsent(name, new Pending(dtype, shape.clone(), data)) != null) {
            throw new IllegalArgumentException("tensor name \"" + name + "\" is reserved or already added");
        }
        return this;
    }

    /** Adds a tensor read from another file, keeping its dtype, shape and bytes. */
    public SafetensorsWriter add(Tensor tensor) {
        return add(tensor.name(), tensor.dtype(), tensor.shape(), tensor.data());
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public void write(Path path) throws IOException {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            String sep = "";
            for (var e : metadata.entrySet()) {
                json.append(sep).append(quote(e.getKey())).append(':').append(quote(e.getValue()));
                sep = ",";
            }
            json.append('}');
        }
        long offset = 0;
        for (var e : tensors.entrySet()) {
            Pending t = e.getValue();
            long end = offset + t.data.byteSize();
            json.append(json.length() > 1 ? "," : "").append(quote(e.getKey()))
                    .append(":{\"dtype\":\"").append(SafetensorsDType.code(t.dtype)).append("\",\"shape\":[");
            for (int i = 0; i < t.shape.length; i++) {
                json.append(i > 0 ? "," : "").append(t.shape[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        while ((8 + json.length()) % 8 != 0) {
            json.append(' ');
        }
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(path)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Pending t : tensors.values()) {
                out.write(t.data.toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
