package dev.mambajvm.backend;

import java.util.List;

/**
 * Finds backends and picks devices. {@code auto} means CUDA if a CUDA device exists, else an
 * OpenCL GPU, else the JVM. A named device ({@code jvm}, {@code cpu}, {@code opencl},
 * {@code opencl:N}, {@code cuda}, {@code cuda:N}) that is not there is an error that says what is
 * there: never a quiet fallback.
 */
public final class Devices {
    private Devices() {
    }

    /** All backends, JVM first; backends whose libraries are missing are included, unavailable. */
    public static List<Backend> backends() {
        throw new UnsupportedOperationException("implemented with the backends");
    }

    public static Device open(String selector) {
        throw new UnsupportedOperationException("implemented with the backends");
    }
}
