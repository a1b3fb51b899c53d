package dev.mambajvm.backend.jvm;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JVM backend: always available, one device ({@link JvmDevice}, id {@code jvm}) that runs the
 * kernels' Java methods on {@link Runtime#availableProcessors()} threads.
 *
 * <p>Its properties report the Java runtime and whether the Vector API is usable. This library
 * does not depend on the incubator module {@code jdk.incubator.vector}; it only looks for it in the
 * boot layer (present with {@code --add-modules jdk.incubator.vector}) and reads the preferred float
 * species reflectively, for the record.
 */
public final class JvmBackend implements Backend {
    static final String VECTOR_MODULE = "jdk.incubator.vector";

    private final Map<String, String> properties;
    private final JvmDevice device;

    public JvmBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** A backend whose device uses {@code parallelism} worker threads (tests use 1 to serialize). */
    public JvmBackend(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        }
        Map<String, String> p = new LinkedHashMap<>();
        p.put("java", Runtime.version().toString());
        p.put("vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        p.put("available processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        p.put("vector api", vectorApi());
        this.properties = Collections.unmodifiableMap(p);
        this.device = new JvmDevice(parallelism);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.JVM;
    }

    /** Always empty: the JVM is always there. */
    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public List<Device> devices() {
        return List.of(device);
    }

    /** e.g. {@code FloatVector.SPECIES_PREFERRED: 8 floats (256 bits)}, or why it is not available. */
    static String vectorApi() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return "not enabled (--add-modules " + VECTOR_MODULE + ")";
        }
        try {
            // Reflection only: a compile-time reference would tie the build to an incubator module.
            Object species = Class.forName(VECTOR_MODULE + ".FloatVector").getField("SPECIES_PREFERRED").get(null);
            Class<?> speciesType = Class.forName(VECTOR_MODULE + ".VectorSpecies");
            int lanes = (int) speciesType.getMethod("length").invoke(species);
            int bits = (int) speciesType.getMethod("vectorBitSize").invoke(species);
            return "FloatVector.SPECIES_PREFERRED: " + lanes + " floats (" + bits + " bits)";
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return "module present but unusable: " + e;
        }
    }
}
