package dev.mambajvm.cli;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.CompiledKernel;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.DeviceBuffer;
import dev.mambajvm.backend.LaunchSequence;
import dev.mambajvm.backend.Queue;
import dev.mambajvm.lang.spec.KernelSpec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Backends and devices that only describe themselves. */
final class Fakes {
    private Fakes() {
    }

    static Map<String, String> props(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    record FakeBackend(BackendKind kind, Optional<String> unavailableReason, Map<String, String> properties,
                       List<Device> devices) implements Backend {
    }

    static class FakeDevice implements Device {
        private final BackendKind kind;
        private final String id;
        private final String name;
        private final Map<String, String> properties;

        FakeDevice(BackendKind kind, String id, String name, Map<String, String> properties) {
            this.kind = kind;
            this.id = id;
            this.name = name;
            this.properties = properties;
        }

        @Override
        public BackendKind kind() {
            return kind;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Map<String, String> properties() {
            return properties;
        }

        @Override
        public DeviceBuffer allocate(long bytes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long allocatedBytes() {
            return 0;
        }

        @Override
        public long peakAllocatedBytes() {
            return 0;
        }

        @Override
        public Queue queue() {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompiledKernel compile(KernelSpec spec, Map<String, ? extends Number> constants) {
            throw new UnsupportedOperationException();
        }

        @Override
        public LaunchSequence newSequence() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    static Backend jvm() {
        return new FakeBackend(BackendKind.JVM, Optional.empty(),
                props("cores", "16", "vector width", "256 bits (8 floats)"),
                List.of(new FakeDevice(BackendKind.JVM, "jvm", "JVM, 16 threads, Vector API",
                        props("cores", "16", "max heap", "31.4 GiB"))));
    }

    static Backend openclUnavailable() {
        return new FakeBackend(BackendKind.OPENCL, Optional.of("libOpenCL.so.1 not found"), Map.of(), List.of());
    }

    static Backend cuda() {
        return new FakeBackend(BackendKind.CUDA, Optional.empty(),
                props("driver version", "13.0", "NVRTC version", "13.0", "libcuda", "/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
                List.of(new FakeDevice(BackendKind.CUDA, "cuda:0", "NVIDIA H100 80GB HBM3",
                        props("compute capability", "9.0", "SMs", "132", "global memory", "79.2 GiB"))));
    }

    /** A device whose properties() throws {@code failure}. */
    static Device throwingDevice(String id, RuntimeException failure) {
        return new FakeDevice(BackendKind.CUDA, id, "?", Map.of()) {
            @Override
            public Map<String, String> properties() {
                throw failure;
            }
        };
    }

    /** A backend whose every method throws, as a half-loaded native binding might. */
    static Backend exploding() {
        return new Backend() {
            @Override
            public BackendKind kind() {
                return BackendKind.OPENCL;
            }

            @Override
            public Optional<String> unavailableReason() {
                throw new UnsatisfiedLinkError("clGetPlatformIDs: symbol not found");
            }

            @Override
            public Map<String, String> properties() {
                throw new IllegalStateException("boom");
            }

            @Override
            public List<Device> devices() {
                throw new IllegalStateException("boom");
            }
        };
    }
}
