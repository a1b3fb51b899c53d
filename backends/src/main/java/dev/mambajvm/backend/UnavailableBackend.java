package dev.mambajvm.backend;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Stands in for a backend whose discovery failed unexpectedly, carrying the reason. */
record UnavailableBackend(BackendKind kind, String reason) implements Backend {
    @Override
    public Optional<String> unavailableReason() {
        return Optional.of(reason);
    }

    @Override
    public Map<String, String> properties() {
        return Map.of();
    }

    @Override
    public List<Device> devices() {
        return List.of();
    }
}
