package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The CUDA backend: the driver API ({@code libcuda.so.1}) for memory, streams, modules, launches
 * and graphs, NVRTC for CUDA C to PTX. Construction never throws: a missing library, a failing
 * {@code cuInit} or an absent GPU make the backend unavailable with the reason.
 */
public final class CudaBackend implements Backend {
    private final String unavailable;
    private final CudaDriver driver;
    private final Nvrtc nvrtc;
    private final int driverVersion;
    private final List<Device> devices;
    private final CudaModuleCache diskCache;

    public CudaBackend() {
        this(CudaLibraries.loadDriver(), CudaLibraries.loadNvrtc());
    }

    /** For tests: the libraries as found (or not) elsewhere. */
    CudaBackend(CudaLibraries.Result driverLib, CudaLibraries.Result nvrtcLib) {
        String reason = null;
        CudaDriver d = null;
        Nvrtc n = null;
        int version = 0;
        List<Device> found = new ArrayList<>();
        try {
            if (!driverLib.ok()) {
                reason = driverLib.failure();
            } else if (!nvrtcLib.ok()) {
                reason = nvrtcLib.failure();
            } else {
                d = new CudaDriver(driverLib.lookup(), driverLib.path());
                try (Arena a = Arena.ofConfined()) {
                    d.check(d.cuInit(0), "cuInit");
                    MemorySegment out = a.allocate(JAVA_INT);
                    d.check(d.cuDriverGetVersion(out), "cuDriverGetVersion");
                    version = out.get(JAVA_INT, 0);
                    d.check(d.cuDeviceGetCount(out), "cuDeviceGetCount");
                    int count = out.get(JAVA_INT, 0);
                    n = new Nvrtc(nvrtcLib.lookup(), nvrtcLib.path());
                    if (count <= 0) {
                        reason = "the CUDA driver (" + driverLib.path() + ") reports no devices";
                    }
                    for (int i = 0; i < count; i++) {
                        d.check(d.cuDeviceGet(out, i), "cuDeviceGet(" + i + ")");
                        found.add(new CudaDevice(this, d, n, i, out.get(JAVA_INT, 0)));
                    }
                }
            }
        } catch (CudaException e) {
            reason = e.getMessage();
            found.clear();
        } catch (RuntimeException | LinkageError e) {
            // e.g. IllegalCallerException without --enable-native-access: a reason, not a crash.
            reason = "CUDA backend failed to start: " + e;
            found.clear();
        }
        this.unavailable = reason;
        this.driver = reason == null ? d : null;
        this.nvrtc = n;
        this.driverVersion = version;
        this.devices = reason == null ? List.copyOf(found) : List.of();
        this.diskCache = CudaModuleCache.fromEnvironment(System.getenv()).orElse(null);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.CUDA;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.ofNullable(unavailable);
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        if (unavailable != null) {
            p.put("status", "unavailable: " + unavailable);
        }
        if (driverVersion > 0) {
            p.put("driver version", driverVersion / 1000 + "." + (driverVersion % 1000) / 10);
        }
        if (driver != null) {
            p.put("libcuda", driver.libraryPath());
        }
        if (nvrtc != null) {
            p.put("nvrtc version", nvrtc.version());
            p.put("nvrtc", nvrtc.libraryPath());
        }
        p.put("ptx cache", diskCache == null ? "off" : diskCache.directory().toString());
        p.put("devices", String.valueOf(devices.size()));
        return p;
    }

    @Override
    public List<Device> devices() {
        return devices;
    }

    /** The disk cache, or null when disabled (MAMBA_CUDA_CACHE=off or no home directory). */
    CudaModuleCache diskCache() {
        return diskCache;
    }
}
