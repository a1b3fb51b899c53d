package dev.mambajvm.backend.cuda;

import dev.mambajvm.backend.UserCache;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The on-disk PTX cache: NVRTC takes tens to hundreds of milliseconds per kernel, and a model has
 * dozens of specializations, so a second run loads PTX from here instead.
 *
 * <p>A file is {@code <dir>/<key>.ptx}, where the key is the SHA-256 of everything that determines
 * the PTX (source, NVRTC options, device name, compute capability, NVRTC version). Its first line
 * holds the SHA-256 of the rest, so a truncated or otherwise damaged file is detected, deleted and
 * reported as a miss: the cache can never break a run, only fail to speed it up. Writes go to a
 * temporary file in the same directory that is then moved into place, so concurrent JVMs never
 * read half a file. Pure Java, unit-tested without a GPU.
 */
final class CudaModuleCache {
    private static final String HEADER = "// mamba-jvm cuda ptx cache v1 sha256=";

    /** Set to {@code off} to disable the disk cache, or to a directory to use instead of the default. */
    static final String ENV = "MAMBA_CUDA_CACHE";

    private final Path dir;

    CudaModuleCache(Path dir) {
        this.dir = dir;
    }

    /** The cache in effect: {@code ${XDG_CACHE_HOME:-~/.cache}/mamba-jvm/cuda}, or none when disabled. */
    static Optional<CudaModuleCache> fromEnvironment(Map<String, String> env) {
        return defaultDirectory(env).map(CudaModuleCache::new);
    }

    static Optional<Path> defaultDirectory(Map<String, String> env) {
        String override = env.get(ENV);
        if (override != null && !override.isBlank()) {
            return override.equalsIgnoreCase("off") ? Optional.empty() : Optional.of(Path.of(override));
        }
        return UserCache.directory(env, "cuda");
    }

    Path directory() {
        return dir;
    }

    /** The cache key: lowercase hex SHA-256 over the fields, each length-prefixed so that no two inputs collide. */
    static String key(String source, List<String> options, String deviceName, String computeCapability, String nvrtcVersion) {
        MessageDigest md = sha256();
        update(md, "mamba-jvm-cuda-ptx-v1");
        update(md, source);
        update(md, String.valueOf(options.size()));
        for (String o : options) {
            update(md, o);
        }
        update(md, deviceName);
        update(md, computeCapability);
        update(md, nvrtcVersion);
        return HexFormat.of().formatHex(md.digest());
    }

    Path file(String key) {
        return dir.resolve(key + ".ptx");
    }

    /** The cached PTX, or empty on a miss; a damaged file is deleted and counts as a miss. */
    Optional<String> read(String key) {
        Path f = file(key);
        try {
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            String text = Files.readString(f, StandardCharsets.UTF_8);
            int nl = text.indexOf('\n');
            if (nl > 0 && text.startsWith(HEADER)) {
                String expected = text.substring(HEADER.length(), nl).trim();
                String body = text.substring(nl + 1);
                if (!body.isEmpty() && expected.equals(hash(body))) {
                    return Optional.of(body);
                }
            }
            warn("discarding damaged PTX cache file " + f);
            invalidate(key);
        } catch (IOException | RuntimeException e) {
            // Unreadable or not UTF-8: drop it and recompile.
            warn("discarding unreadable PTX cache file " + f + ": " + e);
            invalidate(key);
        }
        return Optional.empty();
    }

    /** Stores PTX atomically; a failure (read-only home, full disk) is a warning, never an error. */
    boolean write(String key, String ptx) {
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, key + ".", ".tmp");
            Files.writeString(tmp, HEADER + hash(ptx) + "\n" + ptx, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            warn("could not write PTX cache file " + file(key) + ": " + e);
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
            return false;
        }
    }

    /** Deletes the entry (after the driver rejected cached PTX, say). */
    void invalidate(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            warn("could not delete PTX cache file " + file(key) + ": " + e);
        }
    }

    static String hash(String text) {
        return HexFormat.of().formatHex(sha256().digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static void update(MessageDigest md, String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        md.update((b.length + ":").getBytes(StandardCharsets.US_ASCII));
        md.update(b);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }

    private static void warn(String message) {
        System.err.println("mamba-jvm: warning: " + message);
    }
}
