package dev.mambajvm.cli;

import dev.mambajvm.backend.UserCache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model shipped inside mamba-cli.jar, used when {@code --model} is not given: a 4.5M-parameter
 * Mamba-1 (8 layers, hidden 256, vocabulary 4096) trained on the King James Bible by
 * {@code tools/train_default_model.py}; its training-report.json travels with it.
 *
 * <p>The safetensors reader maps files, so the resources are copied once into
 * {@code ${XDG_CACHE_HOME:-~/.cache}/mamba-jvm/default-model/<sha256 of the files>/}: written into a
 * temporary folder beside it, then renamed into place, so a folder that exists is complete (two
 * processes racing both succeed; one rename wins). A jar with other files gets another folder.
 * Where no cache folder can be written, a temporary folder (deleted at exit) is used instead.
 */
final class DefaultModel {
    /** The name --help and --verbose show. */
    static final String NAME = "the embedded default model (Mamba-1, 4.5M parameters, trained on the King James Bible)";
    /** The checkpoint's files, under {@link #RESOURCES} in the jar. */
    static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "tokenizer.json", "training-report.json");
    static final String RESOURCES = "default-model/";

    private DefaultModel() {
    }

    /** The folder holding the default model's files, extracted on first use. */
    static Path directory(Map<String, String> env) {
        Map<String, byte[]> files = read();
        String key = HexFormat.of().formatHex(digest(files)).substring(0, 16);
        Path cache = cacheRoot(env);
        if (cache != null) {
            Path dir = cache.resolve(key);
            if (isComplete(dir, files)) {
                return dir;
            }
            try {
                return extract(files, dir);
            } catch (IOException e) {
                // not writable (read-only home, full disk): fall through to a temporary copy
            }
        }
        try {
            Path tmp = Files.createTempDirectory("mamba-jvm-default-model-");
            write(files, tmp);
            for (String f : FILES) {
                tmp.resolve(f).toFile().deleteOnExit();
            }
            tmp.toFile().deleteOnExit();
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedded default model to a temporary folder: " + e.getMessage(), e);
        }
    }

    /** {@code ${XDG_CACHE_HOME:-$HOME/.cache}/mamba-jvm/default-model}, or null without a home. */
    static Path cacheRoot(Map<String, String> env) {
        return UserCache.directory(env, "default-model").orElse(null);
    }

    /** The files' bytes, from the jar (or the classes folder in a build). */
    private static Map<String, byte[]> read() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : FILES) {
            try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCES + f)) {
                if (in == null) {
                    throw new IllegalStateException("this mamba-cli build has no embedded default model (resource "
                            + RESOURCES + f + " missing): give --model");
                }
                files.put(f, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the embedded default model's " + f + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    private static byte[] digest(Map<String, byte[]> files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue());
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** The folder exists and every file has its size: it was renamed into place whole. */
    private static boolean isComplete(Path dir, Map<String, byte[]> files) {
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Path p = dir.resolve(e.getKey());
                if (!Files.isRegularFile(p) || Files.size(p) != e.getValue().length) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path extract(Map<String, byte[]> files, Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp-");
        try {
            write(files, tmp);
            if (Files.exists(dir)) {
                deleteTree(dir);   // a broken copy (a file changed or cut by hand): replace it
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!isComplete(dir, files)) {   // unless another process renamed its copy first
                    throw e;
                }
            }
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    private static void write(Map<String, byte[]> files, Path dir) throws IOException {
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a leftover temporary folder is harmless
        }
    }
}
