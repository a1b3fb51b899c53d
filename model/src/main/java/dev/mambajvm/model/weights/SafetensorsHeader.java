package dev.mambajvm.model.weights;

import dev.mambajvm.lang.DType;
import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.ModelFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the header of a safetensors file:
 * <pre>
 * [8 bytes: N, unsigned little-endian] [N bytes: UTF-8 JSON header] [data]
 * header = {"name": {"dtype": "F32", "shape": [512, 64], "data_offsets": [begin, end]}, ...,
 *           "__metadata__": {"format": "pt"}}
 * </pre>
 * Offsets are relative to the start of the data. Everything a reader could trip over is checked
 * here, so that a tensor slice handed out is always inside the file, of exactly dtype × shape bytes,
 * aligned to its element size (the lang arrays use aligned accesses) and disjoint from the others.
 */
final class SafetensorsHeader {
    /** The reference implementation refuses larger headers; a larger N is a corrupt length. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ValueLayout.OfLong LENGTH = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The tensors (ordered by data offset) and the string metadata of a file. */
    record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    private SafetensorsHeader() {}

    /** {@code file} names the file in messages; {@code bytes} is the whole file, mapped. */
    static Contents parse(String file, MemorySegment bytes) {
        long fileSize = bytes.byteSize();
        if (fileSize < 8) {
            throw new ModelFormatException(file + ": file is " + fileSize
                    + " bytes, too short for the 8-byte header length (truncated, or not a safetensors file)");
        }
        long headerLength = bytes.get(LENGTH, 0);
        if (headerLength < 0 || headerLength > fileSize - 8) {
            throw new ModelFormatException(file + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the file (" + fileSize + " bytes; truncated, or not a safetensors file)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file + ": header length " + headerLength + " is over the "
                    + MAX_HEADER_BYTES + "-byte limit (corrupt length?)");
        }
        byte[] json = bytes.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        Map<String, Object> header = JsonFiles.readObject(file + ": header", json);

        long dataStart = 8 + headerLength;
        MemorySegment data = bytes.asSlice(dataStart);
        Map<String, String> metadata = Map.of();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = metadata(file, e.getValue());
            } else {
                entries.add(entry(file, e.getKey(), e.getValue(), dataStart, data.byteSize()));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Entry previous = null;
        for (Entry entry : entries) {
            if (previous != null && entry.begin < previous.end) {
                throw new ModelFormatException(file + ": tensor \"" + entry.name + "\" bytes [" + entry.begin + ", "
                        + entry.end + ") overlap tensor \"" + previous.name + "\" bytes [" + previous.begin + ", "
                        + previous.end + ")");
            }
            tensors.put(entry.name, new Tensor(entry.name, entry.dtype, entry.shape,
                    data.asSlice(entry.begin, entry.end - entry.begin)));
            if (entry.end > entry.begin) {
                previous = entry;
            }
        }
        return new Contents(Collections.unmodifiableMap(tensors), metadata);
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private static Entry entry(String file, String name, Object value, long dataStart, long dataSize) {
        String where = file + ": tensor \"" + name + "\"";
        if (!(value instanceof Map<?, ?> info)) {
            throw new ModelFormatException(where + " is " + JsonFiles.describe(value)
                    + " (expected an object with dtype, shape and data_offsets)");
        }
        if (!(info.get("dtype") instanceof String code)) {
            throw new ModelFormatException(where + ": \"dtype\" is " + JsonFiles.describe(info.get("dtype"))
                    + " (expected a string such as \"F32\")");
        }
        DType dtype = SafetensorsDType.parse(code);
        if (dtype == null) {
            throw new ModelFormatException(where + " has dtype " + code + ", which is not supported (expected F32, F16 or BF16)");
        }
        long[] shape = longs(where, "shape", info.get("shape"), -1);
        long[] offsets = longs(where, "data_offsets", info.get("data_offsets"), 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] are outside the data ("
                    + dataSize + " bytes after the header" + (end > dataSize ? "; truncated file?" : "") + ")");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(Tensor.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new ModelFormatException(where + ": shape " + java.util.Arrays.toString(shape) + " is too large");
        }
        if (end - begin != expectedBytes) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes, but " + code + " " + java.util.Arrays.toString(shape) + " needs " + expectedBytes);
        }
        // The file is mapped at a page boundary, so the absolute offset decides the alignment.
        if ((dataStart + begin) % dtype.byteSize() != 0) {
            throw new ModelFormatException(where + ": data at file offset " + (dataStart + begin)
                    + " is not aligned to its " + dtype.byteSize() + "-byte " + code + " elements");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers ({@code length} of them unless -1). */
    private static long[] longs(String where, String field, Object value, int length) {
        String expected = length < 0 ? "an array of non-negative integers" : "an array of " + length + " non-negative integers";
        if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
            throw new ModelFormatException(where + ": \"" + field + "\" is " + JsonFiles.describe(value) + " (expected " + expected + ")");
        }
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() < 0) {
                throw new ModelFormatException(where + ": \"" + field + "\" has " + JsonFiles.describe(v)
                        + " at index " + i + " (expected " + expected + ")");
            }
            out[i] = ((Number) v).longValue();
        }
        return out;
    }

    private static Map<String, String> metadata(String file, Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<String, String> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getValue() instanceof String s)) {
                    throw new ModelFormatException(file + ": \"__metadata__\" entry \"" + e.getKey() + "\" is "
                            + JsonFiles.describe(e.getValue()) + " (expected a string)");
                }
                out.put((String) e.getKey(), s);
            }
            return Collections.unmodifiableMap(out);
        }
        throw new ModelFormatException(file + ": \"__metadata__\" is " + JsonFiles.describe(value) + " (expected an object of strings)");
    }
}
