package dev.mambajvm.backend.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaLibrariesTest {

    @Test
    void explicitNvrtcPathIsTheOnlyCandidateAndItsAbsenceIsExplained() {
        String missing = "/nonexistent/mamba/libnvrtc.so.13";
        var candidates = CudaLibraries.nvrtcCandidates(Map.of(CudaLibraries.NVRTC_ENV, missing), List.of());
        assertEquals(1, candidates.size());
        CudaLibraries.Result r = CudaLibraries.load("libnvrtc", candidates);
        assertFalse(r.ok());
        assertTrue(r.failure().contains("libnvrtc not found"), r.failure());
        assertTrue(r.failure().contains(missing + " (no such file)"), r.failure());
    }

    @Test
    void searchListsEveryPlaceItLooked(@TempDir Path dir) {
        Path nowhere = dir.resolve("nowhere");
        var candidates = CudaLibraries.driverCandidates(Map.of(), List.of(nowhere));
        // Only the nonexistent directory: a real libcuda.so.1 found by name would make this test moot.
        var onlyFiles = candidates.stream().filter(c -> c.file() != null).toList();
        CudaLibraries.Result r = CudaLibraries.load("libcuda.so.1", onlyFiles);
        assertFalse(r.ok());
        assertTrue(r.failure().contains(nowhere.resolve("libcuda.so.1").toString()), r.failure());
    }

    @Test
    void nvrtcFilesInADirectoryNewestFirstBuiltinsIgnored(@TempDir Path dir) throws Exception {
        for (String f : List.of("libnvrtc.so.12", "libnvrtc.so.13", "libnvrtc.so.13.0.88", "libnvrtc-builtins.so.13.0",
                "libnvrtc.alt.so.13")) {
            Files.createFile(dir.resolve(f));
        }
        var candidates = CudaLibraries.nvrtcCandidates(Map.of(), List.of(dir));
        assertEquals("libnvrtc.so.13", candidates.get(0).soname());
        assertEquals("libnvrtc.so.12", candidates.get(1).soname());
        List<String> files = candidates.stream().filter(c -> c.file() != null)
                .map(c -> c.file().getFileName().toString()).toList();
        assertEquals(List.of("libnvrtc.so.13.0.88", "libnvrtc.so.13", "libnvrtc.so.12"), files);
    }

    @Test
    void defaultRootsIncludeCudaHomeAndPipWheels(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve(".local/lib/python3.12"));
        List<Path> roots = CudaLibraries.defaultNvrtcRoots(Map.of("CUDA_HOME", "/opt/cuda-x", "HOME", home.toString()));
        assertEquals(Path.of("/opt/cuda-x/targets/x86_64-linux/lib"), roots.get(0));
        assertTrue(roots.contains(home.resolve(".local/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib")), roots.toString());
        assertTrue(roots.contains(home.resolve(".local/lib/python3.12/site-packages/nvidia/cu13/lib")), roots.toString());
    }

    @Test
    void backendWithMissingLibrariesIsUnavailableNotBroken() {
        CudaBackend b = new CudaBackend(CudaLibraries.Result.missing("libcuda.so.1 not found; tried: /x/libcuda.so.1"),
                CudaLibraries.Result.missing("libnvrtc not found"));
        assertEquals("libcuda.so.1 not found; tried: /x/libcuda.so.1", b.unavailableReason().orElseThrow());
        assertTrue(b.devices().isEmpty());
        assertTrue(b.properties().get("status").contains("libcuda.so.1 not found"));
    }

    @Test
    void backendOnThisMachineNeverThrows() {
        CudaBackend b = new CudaBackend();
        // Without a GPU the reason names what is missing; with one, it is available.
        b.unavailableReason().ifPresent(r -> assertTrue(r.contains("not found") || r.contains("failed")
                || r.contains("no devices"), r));
        assertEquals(b.unavailableReason().isPresent(), b.devices().isEmpty());
    }
}
