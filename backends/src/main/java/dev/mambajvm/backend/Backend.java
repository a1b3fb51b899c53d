package dev.mambajvm.backend;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A backend and the devices it found. Discovery never throws for a missing native library or
 * driver: the backend reports itself unavailable with the reason.
 */
public interface Backend {
    BackendKind kind();

    /** Empty when the backend works; otherwise why not (e.g. "libcuda.so.1 not found"). */
    Optional<String> unavailableReason();

    /** Backend-wide facts for {@code mamba-cli devices}: library paths, driver and compiler versions. */
    Map<String, String> properties();

    /** The devices, in the backend's own order; empty when unavailable. */
    List<Device> devices();
}
