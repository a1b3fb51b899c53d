package dev.mambajvm.model.weights;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mambajvm.model.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of broken file is a ModelFormatException naming the file and the tensor, never a crash. */
class CorruptSafetensorsTest {
    @TempDir
    Path tmp;

    /** [8-byte length][header][data zeros]; {@code declaredLength} -1 means the true header length. */
    private Path file(String header, int dataBytes, long declaredLength) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength == -1 ? h.length : declaredLength).put(h);
        Path p = tmp.resolve("bad.safetensors");
        Files.write(p, b.array());
        return p;
    }

    /** Pads the header with spaces so the data starts 8-aligned. */
    private Path aligned(String header, int dataBytes) throws IOException {
        StringBuilder s = new StringBuilder(header);
        while ((8 + s.length()) % 8 != 0) {
            s.append(' ');
        }
        return file(s.toString(), dataBytes, -1);
    }

    private static String failure(Path p) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), "expected \"" + part + "\" in: " + message);
    }

    @Test
    void tooShortForTheLength() throws IOException {
        Path p = tmp.resolve("short.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertContains(failure(p), "file is 3 bytes, too short for the 8-byte header length");
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        assertContains(failure(file("{}", 0, 1000)), "header length 1000 exceeds the file (10 bytes");
        assertContains(failure(file("{}", 0, -2)), "header length 18446744073709551614 exceeds the file");
    }

    @Test
    void truncatedHeader() throws Exception {
        Path whole = Path.of(getClass().getResource("/fixtures/hf/mamba1-tiny/model.safetensors").toURI());
        Path p = tmp.resolve("cut.safetensors");
        Files.write(p, Arrays.copyOf(Files.readAllBytes(whole), 1000));
        assertContains(failure(p), "header length 2208 exceeds the file (1000 bytes");
    }

    @Test
    void headerNotJsonOrNotUtf8() throws IOException {
        assertContains(failure(file("{\"a\": {\"dtype\": ", 0, -1)), ": header is not valid JSON");
        assertContains(failure(corruptUtf8()), "header is not valid UTF-8");
        assertContains(failure(file("[]", 0, -1)), "header is not a JSON object");
    }

    private Path corruptUtf8() throws IOException {
        byte[] h = {'{', '"', (byte) 0xC3, '"', ':', '1', '}'};
        ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
        Path p = tmp.resolve("utf8.safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void duplicateTensorName() throws IOException {
        String t = "\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}";
        assertContains(failure(aligned("{" + t + ", " + t + "}", 4)), "Duplicate field 'a'");
    }

    @Test
    void offsetsPastTheData() throws IOException {
        String message = failure(aligned("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8));
        assertContains(message, "tensor \"w\": data_offsets [0, 16] are outside the data (8 bytes after the header; truncated file?)");
        assertContains(failure(aligned("{\"w\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8)),
                "tensor \"w\": data_offsets [8, 4] are outside the data");
        assertContains(failure(aligned("{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", 8)),
                "tensor \"w\": \"data_offsets\" has the number -4 at index 0");
    }

    @Test
    void truncatedData() throws Exception {
        Path whole = Path.of(getClass().getResource("/fixtures/hf/mamba1-tiny/model.safetensors").toURI());
        byte[] bytes = Files.readAllBytes(whole);
        Path p = tmp.resolve("cut.safetensors");
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 100));
        String message = failure(p);
        assertContains(message, "tensor \"backbone.norm_f.weight\": data_offsets [392704, 392960] are outside the data (392860 bytes");
    }

    @Test
    void sizeDisagreesWithDtypeAndShape() throws IOException {
        assertContains(failure(aligned("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8)),
                "tensor \"w\": data_offsets [0, 8] hold 8 bytes, but F32 [3] needs 12");
        assertContains(failure(aligned("{\"w\": {\"dtype\": \"F16\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 16)),
                "hold 16 bytes, but F16 [4] needs 8");
    }

    @Test
    void overlappingTensors() throws IOException {
        String message = failure(aligned("{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12));
        assertContains(message, "tensor \"b\" bytes [4, 12) overlap tensor \"a\" bytes [0, 8)");
    }

    @Test
    void misalignedData() throws IOException {
        // Header of 7 bytes + 8-byte length: the data starts at offset 15, an F32 there is misaligned.
        String header = "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [1, 5]}}";
        StringBuilder s = new StringBuilder(header);
        while ((8 + s.length()) % 4 != 0) {
            s.append(' ');
        }
        assertContains(failure(file(s.toString(), 8, -1)), "tensor \"w\": data at file offset");
        assertContains(failure(file(s.toString(), 8, -1)), "is not aligned to its 4-byte F32 elements");
    }

    @Test
    void unsupportedDtypeAndBadFields() throws IOException {
        assertContains(failure(aligned("{\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8)),
                "tensor \"ids\" has dtype I64, which is not supported (expected F32, F16 or BF16)");
        assertContains(failure(aligned("{\"w\": {\"dtype\": \"F32\", \"shape\": \"[1]\", \"data_offsets\": [0, 4]}}", 8)),
                "tensor \"w\": \"shape\" is a string \"[1]\" (expected an array of non-negative integers)");
        assertContains(failure(aligned("{\"w\": 3}", 0)), "tensor \"w\" is the number 3 (expected an object");
        assertContains(failure(aligned("{\"__metadata__\": {\"format\": 1}}", 0)), "\"__metadata__\" entry \"format\" is the number 1");
    }
}
