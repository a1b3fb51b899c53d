package dev.mambajvm.backend;

import dev.mambajvm.backend.cuda.CudaBackend;
import dev.mambajvm.backend.jvm.JvmBackend;
import dev.mambajvm.backend.opencl.OpenClBackend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Finds backends and picks devices.
 *
 * <p>Selectors: {@code auto} (CUDA device 0 if there is one, else the first OpenCL GPU, else the
 * first OpenCL CPU device such as PoCL, else the JVM), {@code jvm} or {@code cpu} (the JVM backend), {@code opencl} (the first OpenCL GPU, else
 * the first OpenCL device), {@code opencl:N}, {@code cuda} (= {@code cuda:0}), {@code cuda:N}. A
 * named device that is not there is an error that lists what is there: never a quiet fallback.
 */
public final class Devices {
    private Devices() {
    }

    /** Environment variable restricting discovery, e.g. {@code MAMBA_BACKENDS=jvm,opencl}. */
    public static final String BACKENDS_ENV = "MAMBA_BACKENDS";

    /**
     * All backends, JVM first, each freshly discovered; backends whose libraries are missing are
     * included and report why they are unavailable. Discovery of one backend failing in an
     * unexpected way does not hide the others. {@value #BACKENDS_ENV} (a comma-separated subset of
     * jvm, opencl, cuda) leaves the others out: they are not even loaded.
     */
    public static List<Backend> backends() {
        List<Backend> backends = new ArrayList<>();
        for (BackendKind kind : BackendKind.values()) {
            if (enabled(kind)) {
                backends.add(discover(kind));
            }
        }
        return backends;
    }

    /**
     * Opens the device named by {@code selector}, loading only the backends the selector needs
     * (native drivers are not initialized for a JVM run). The caller owns the device and closes it.
     *
     * @throws IllegalArgumentException when the selector is malformed or names no present device;
     *                                  the message lists the devices that are present
     */
    public static Device open(String selector) {
        String s = selector.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "auto" -> {
                if (enabled(BackendKind.CUDA)) {
                    var cuda = discover(BackendKind.CUDA).devices().stream().findFirst();
                    if (cuda.isPresent()) {
                        yield cuda.get();
                    }
                }
                if (enabled(BackendKind.OPENCL)) {
                    Backend opencl = discover(BackendKind.OPENCL);
                    var gpu = opencl.devices().stream().filter(Devices::isGpu).findFirst();
                    if (gpu.isPresent()) {
                        yield gpu.get();
                    }
                    // An OpenCL CPU device (PoCL) runs the kernels compiled and vectorized: the default
                    // model decodes ~2.5x faster there than on the JVM backend (README).
                    var cpu = opencl.devices().stream().filter(Devices::isCpu).findFirst();
                    if (cpu.isPresent()) {
                        yield cpu.get();
                    }
                }
                yield new JvmBackend().devices().getFirst();
            }
            case "jvm", "cpu" -> new JvmBackend().devices().getFirst();
            case "opencl" -> {
                Backend opencl = discover(BackendKind.OPENCL);
                yield opencl.devices().stream().filter(Devices::isGpu).findFirst()
                        .orElseGet(() -> indexed(opencl, 0, selector));
            }
            case "cuda" -> indexed(discover(BackendKind.CUDA), 0, selector);
            default -> {
                int colon = s.indexOf(':');
                String kind = colon < 0 ? s : s.substring(0, colon);
                BackendKind backend = switch (kind) {
                    case "opencl" -> BackendKind.OPENCL;
                    case "cuda" -> BackendKind.CUDA;
                    default -> throw new IllegalArgumentException("unknown device '" + selector
                            + "': expected auto, jvm, cpu, opencl, opencl:N, cuda or cuda:N");
                };
                int index;
                try {
                    index = Integer.parseInt(s.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("device '" + selector + "': the part after ':' must be a"
                            + " device number, e.g. " + kind + ":0");
                }
                yield indexed(discover(backend), index, selector);
            }
        };
    }

    private static boolean enabled(BackendKind kind) {
        String only = System.getenv(BACKENDS_ENV);
        if (only == null || only.isBlank()) {
            return true;
        }
        List<String> names = new ArrayList<>();
        for (String n : only.split(",")) {
            String name = n.trim().toLowerCase(Locale.ROOT);
            if (!List.of("jvm", "opencl", "cuda").contains(name)) {
                throw new IllegalArgumentException(BACKENDS_ENV + "=" + only + ": '" + n.trim()
                        + "' is not a backend (expected a comma-separated subset of jvm, opencl, cuda)");
            }
            names.add(name);
        }
        return names.contains(kind.name().toLowerCase(Locale.ROOT));
    }

    private static Device indexed(Backend backend, int index, String selector) {
        List<Device> devices = backend.devices();
        if (index < 0 || index >= devices.size()) {
            String why = backend.unavailableReason().map(r -> " (" + backend.kind() + " unavailable: " + r + ")")
                    .orElse("");
            throw new IllegalArgumentException("no device '" + selector + "'" + why + "; " + backend.kind()
                    + " devices present: " + (devices.isEmpty() ? "none" : present(List.of(backend))));
        }
        return devices.get(index);
    }

    private static boolean isGpu(Device d) {
        return d.properties().getOrDefault("type", "").toUpperCase(Locale.ROOT).contains("GPU");
    }

    /** Whether d is an OpenCL CPU device (its device type names CPU), such as PoCL. */
    public static boolean isCpu(Device d) {
        return d.properties().getOrDefault("type", "").toUpperCase(Locale.ROOT).contains("CPU");
    }

    /** A one-line list of the devices present, e.g. "jvm, opencl:0 (cpu-haswell-...)". */
    public static String present(List<Backend> backends) {
        List<String> ids = new ArrayList<>();
        for (Backend b : backends) {
            for (Device d : b.devices()) {
                ids.add(d.id() + " (" + d.name() + ")");
            }
        }
        return String.join(", ", ids);
    }

    private static Backend discover(BackendKind kind) {
        Supplier<Backend> constructor = switch (kind) {
            case JVM -> JvmBackend::new;
            case OPENCL -> OpenClBackend::new;
            case CUDA -> CudaBackend::new;
        };
        try {
            return constructor.get();
        } catch (RuntimeException | LinkageError e) {
            return new UnavailableBackend(kind, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
