package dev.mambajvm.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaModuleCacheTest {
    static final List<String> OPTS = List.of("--gpu-architecture=compute_90", "-default-device", "--std=c++17");

    @Test
    void keyCoversEveryInput() {
        String k = CudaModuleCache.key("src", OPTS, "NVIDIA H100", "9.0", "13.0");
        assertEquals(64, k.length());
        assertEquals(k, CudaModuleCache.key("src", OPTS, "NVIDIA H100", "9.0", "13.0"));
        assertNotEquals(k, CudaModuleCache.key("src2", OPTS, "NVIDIA H100", "9.0", "13.0"));
        assertNotEquals(k, CudaModuleCache.key("src", List.of("--gpu-architecture=compute_80"), "NVIDIA H100", "9.0", "13.0"));
        assertNotEquals(k, CudaModuleCache.key("src", OPTS, "NVIDIA H200", "9.0", "13.0"));
        assertNotEquals(k, CudaModuleCache.key("src", OPTS, "NVIDIA H100", "8.0", "13.0"));
        assertNotEquals(k, CudaModuleCache.key("src", OPTS, "NVIDIA H100", "9.0", "12.8"));
        // Length prefixes: moving a character between fields changes the key.
        assertNotEquals(CudaModuleCache.key("ab", OPTS, "c", "9.0", "13.0"), CudaModuleCache.key("a", OPTS, "bc", "9.0", "13.0"));
    }

    @Test
    void writeThenReadAtomically(@TempDir Path dir) throws Exception {
        CudaModuleCache c = new CudaModuleCache(dir.resolve("a/b"));
        String key = CudaModuleCache.key("s", OPTS, "d", "9.0", "13.0");
        assertEquals(Optional.empty(), c.read(key));
        String ptx = "//\n.version 9.0\n.target sm_90\n.entry vectorAdd()\n{\n}\n";
        assertTrue(c.write(key, ptx));
        assertEquals(Optional.of(ptx), c.read(key));
        try (var files = Files.list(c.directory())) {
            assertEquals(List.of(key + ".ptx"), files.map(p -> p.getFileName().toString()).toList(), "temp file left behind");
        }
        assertTrue(c.write(key, ptx + "// v2\n"));
        assertEquals(Optional.of(ptx + "// v2\n"), c.read(key));
    }

    @Test
    void damagedFileIsAMissAndIsDeleted(@TempDir Path dir) throws Exception {
        CudaModuleCache c = new CudaModuleCache(dir);
        String key = "k";
        c.write(key, ".version 9.0\n.entry f()\n{\n}\n");
        Path f = c.file(key);
        String text = Files.readString(f);
        Files.writeString(f, text.substring(0, text.length() - 5)); // truncated
        assertEquals(Optional.empty(), c.read(key));
        assertFalse(Files.exists(f));

        Files.writeString(f, "no header at all");
        assertEquals(Optional.empty(), c.read(key));
        Files.write(f, new byte[]{(byte) 0xC3, 0x28, 0x00, (byte) 0xFF}); // not UTF-8
        assertEquals(Optional.empty(), c.read(key));
        assertFalse(Files.exists(f));
        Files.writeString(f, "");
        assertEquals(Optional.empty(), c.read(key));
    }

    @Test
    void unwritableDirectoryIsOnlyAWarning(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plain-file");
        Files.writeString(file, "x");
        CudaModuleCache c = new CudaModuleCache(file.resolve("sub")); // a directory under a file cannot exist
        assertFalse(c.write("k", "ptx"));
        assertEquals(Optional.empty(), c.read("k"));
    }

    @Test
    void defaultDirectoryFollowsXdgAndCanBeDisabled() {
        assertEquals(Optional.of(Path.of("/x/cache/mamba-jvm/cuda")),
                CudaModuleCache.defaultDirectory(Map.of("XDG_CACHE_HOME", "/x/cache", "HOME", "/home/u")));
        assertEquals(Optional.of(Path.of("/home/u/.cache/mamba-jvm/cuda")), CudaModuleCache.defaultDirectory(Map.of("HOME", "/home/u")));
        assertEquals(Optional.empty(), CudaModuleCache.defaultDirectory(Map.of(CudaModuleCache.ENV, "off", "HOME", "/home/u")));
        assertEquals(Optional.of(Path.of("/tmp/c")), CudaModuleCache.defaultDirectory(Map.of(CudaModuleCache.ENV, "/tmp/c")));
    }
}
