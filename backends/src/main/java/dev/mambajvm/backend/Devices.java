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
 * JVM), {@code jvm} or {@code cpu} (the JVM backend), {@code opencl} (the first OpenCL GPU, else
 * the first OpenCL device), {@code opencl:N}, {@code cuda} (= {@code cuda:0}), {@code cuda:N}. A
 * named device that is not there is an error that lists what is there: never a quiet fallback.
 */
public final class Devices {
    private Devices() {
    }

    /**
     * All backends, JVM first, each freshly discovered; backends whose libraries are missing are
     * included and report why they are unavailable. Discovery of one backend failing in an
     * unexpected way does not hide the others.
     */
    public static List<Backend> backends() {
        List<Backend> backends = new ArrayList<>();
        backends.add(new JvmBackend());
        backends.add(discover(BackendKind.OPENCL, OpenClBackend::new));
        backends.add(discover(BackendKind.CUDA, CudaBackend::new));
        return backends;
    }

    /**
     * Opens the device named by {@code selector}. The caller owns it and closes it.
     *
     * @throws IllegalArgumentException when the selector is malformed or names no present device;
     *                                  the message lists the devices that are present
     */
    public static Device open(String selector) {
        String s = selector.trim().toLowerCase(Locale.ROOT);
        List<Backend> backends = backends();
        Backend jvm = backends.get(0);
        Backend opencl = backends.get(1);
        Backend cuda = backends.get(2);
        return switch (s) {
            case "auto" -> {
                if (!cuda.devices().isEmpty()) {
                    yield cuda.devices().getFirst();
                }
                yield opencl.devices().stream().filter(Devices::isGpu).findFirst().orElse(jvm.devices().getFirst());
            }
            case "jvm", "cpu" -> jvm.devices().getFirst();
            case "opencl" -> opencl.devices().stream().filter(Devices::isGpu).findFirst()
                    .orElseGet(() -> indexed(opencl, 0, selector, backends));
            case "cuda" -> indexed(cuda, 0, selector, backends);
            default -> {
                int colon = s.indexOf(':');
                String kind = colon < 0 ? s : s.substring(0, colon);
                Backend b = switch (kind) {
                    case "opencl" -> opencl;
                    case "cuda" -> cuda;
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
                yield indexed(b, index, selector, backends);
            }
        };
    }

    private static Device indexed(Backend backend, int index, String selector, List<Backend> all) {
        List<Device> devices = backend.devices();
        if (index < 0 || index >= devices.size()) {
            String why = backend.unavailableReason().map(r -> " (" + backend.kind() + " unavailable: " + r + ")")
                    .orElse("");
            throw new IllegalArgumentException("no device '" + selector + "'" + why + "; present: " + present(all));
        }
        return devices.get(index);
    }

    private static boolean isGpu(Device d) {
        return d.properties().getOrDefault("type", "").toUpperCase(Locale.ROOT).contains("GPU");
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

    private static Backend discover(BackendKind kind, Supplier<Backend> constructor) {
        try {
            return constructor.get();
        } catch (RuntimeException | LinkageError e) {
            return new UnavailableBackend(kind, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
