package dev.mambajvm.backend.opencl;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.nativelib.NativeLibrary;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenCL through the system's ICD loader ({@code libOpenCL}): every platform the loader finds
 * (PoCL, NVIDIA, AMD, Intel ...) and every device of each, numbered {@code opencl:0},
 * {@code opencl:1} ... across platforms in the loader's order.
 *
 * <p>Construction never throws for a missing library, a loader with no ICD, or a driver error
 * during discovery: the backend is then {@linkplain #unavailableReason() unavailable} with the
 * reason. Set {@code MAMBA_OPENCL_LIBRARY} to a path to use a specific loader.
 *
 * <p>Typical use:
 * <pre>{@code
 * Backend opencl = new OpenClBackend();
 * try (Device dev = opencl.devices().getFirst()) {
 *     CompiledKernel k = dev.compile(spec, Map.of());
 *     DeviceBuffer x = dev.allocate(n * 4L);
 *     dev.queue().upload(hostX, x);
 *     dev.queue().launch(k, WorkerGrid.covering1D(n, 64), x, n);
 *     dev.queue().finish();
 * }
 * }</pre>
 */
public final class OpenClBackend implements Backend {
    static final String INSTALL_HINT = "install ocl-icd-libopencl1 and an ICD such as pocl-opencl-icd";

    private final Optional<String> unavailableReason;
    private final Map<String, String> properties;
    private final List<Device> devices;

    /** Discovers with the default loader names for this OS (and {@code MAMBA_OPENCL_LIBRARY} first, if set). */
    public OpenClBackend() {
        this(defaultCandidates());
    }

    /** Discovers with the given loader candidates (names or paths), the first that loads wins. */
    public OpenClBackend(String... libraryCandidates) {
        Map<String, String> props = new LinkedHashMap<>();
        List<Device> found = new ArrayList<>();
        String reason = null;
        NativeLibrary.Search search = NativeLibrary.find(libraryCandidates).withHint(INSTALL_HINT);
        if (search.library().isEmpty()) {
            reason = search.reason();
        } else {
            NativeLibrary library = search.library().get();
            props.put("loader", library.resolvedPath());
            try {
                OpenCl cl = new OpenCl(library);
                List<MemorySegment> platforms = cl.platformIds();
                props.put("platforms", Integer.toString(platforms.size()));
                if (platforms.isEmpty()) {
                    reason = "no OpenCL platform: the loader " + library.resolvedPath()
                            + " found no ICD (see /etc/OpenCL/vendors); " + INSTALL_HINT;
                }
                for (int p = 0; p < platforms.size(); p++) {
                    MemorySegment platform = platforms.get(p);
                    props.put("platform " + p, cl.platformInfo(platform, OpenCl.CL_PLATFORM_NAME) + " ("
                            + cl.platformInfo(platform, OpenCl.CL_PLATFORM_VERSION) + ")");
                    for (MemorySegment device : cl.deviceIds(platform)) {
                        found.add(new OpenClDevice(cl, found.size(), platform, device));
                    }
                }
                if (reason == null && found.isEmpty()) {
                    reason = "the OpenCL platforms report no devices";
                }
            } catch (OpenClException | UnsatisfiedLinkError | UnsupportedOperationException e) {
                reason = "OpenCL discovery failed: " + e.getMessage();
                found.clear();
            }
        }
        this.unavailableReason = Optional.ofNullable(reason);
        this.properties = Collections.unmodifiableMap(props);
        this.devices = List.copyOf(found);
    }

    static String[] defaultCandidates() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String override = System.getenv("MAMBA_OPENCL_LIBRARY");
        List<String> names = new ArrayList<>();
        if (override != null && !override.isBlank()) {
            names.add(override);
        }
        if (os.contains("win")) {
            names.add("OpenCL.dll");
        } else if (os.contains("mac")) {
            names.add("/System/Library/Frameworks/OpenCL.framework/OpenCL");
        } else {
            names.add("libOpenCL.so.1");
            names.add("libOpenCL.so");
        }
        return names.toArray(String[]::new);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.OPENCL;
    }

    @Override
    public Optional<String> unavailableReason() {
        return unavailableReason;
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public List<Device> devices() {
        return devices;
    }
}
