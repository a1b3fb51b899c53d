package dev.mambajvm.backend;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where mamba-jvm keeps files between runs: {@code ${XDG_CACHE_HOME:-$HOME/.cache}/mamba-jvm/<name>}
 * (the CUDA backend's compiled PTX, the CLI's extracted default model, the launchers' env.sh).
 */
public final class UserCache {
    private UserCache() {
    }

    /** The folder {@code name} of the cache, from {@code env}; empty when there is no home to put it in. */
    public static Optional<Path> directory(Map<String, String> env, String name) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path base;
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            base = Path.of(xdg);
        } else {
            String home = env.getOrDefault("HOME", System.getProperty("user.home"));
            if (home == null || home.isBlank()) {
                return Optional.empty();
            }
            base = Path.of(home, ".cache");
        }
        return Optional.of(base.resolve("mamba-jvm").resolve(name));
    }
}
