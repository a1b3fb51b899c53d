package dev.mambajvm.cli;

import dev.mambajvm.backend.UserCache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The model shipped inside mamba-cli.jar, used when {@code --model} is not given: a 4.5M-parameter
 * Mamba-1 (8 layers, hidden 256, vocabulary 4096) trained on the King James Bible by
 * {@code tools/train_default_model.py}; its training-report.json travels with it.
 *
 * <p>The safetensors reader maps files, so the resources are copied once into
 * {@code ${XDG_CACHE_HOME:-~/.cache}/mamba-jvm/default-model/<key>/}: written into a temporary
 * folder beside it, then renamed into place, so a folder that exists is complete (two processes
 * racing both succeed; one rename wins). Where no cache folder can be written, a temporary folder
 * (deleted at exit) is used instead.
 *
 * <p>The resource {@code MANIFEST} lists each file as {@code sha256  size  name} (the training
 * script writes it; the shipped one was made with sha256sum and stat). A run reads only the manifest: the key is its
 * SHA-256, so a jar with other files gets another folder, and a cached copy is checked by size.
 * The files themselves are read, and checked against their SHA-256, only when they are copied out.
 */
final class DefaultModel {
    /** The name --help and --verbose show. */
    static final String NAME = "the embedded default model (Mamba-1, 4.5M parameters, trained on the King James Bible)";
    /** The checkpoint's files, under {@link #RESOURCES} in the jar. */
    static final List<String> FILES = List.of("config.json", "generation_config.json", "model.safetensors",
            "tokenizer.json", "training-report.json");
    static final String RESOURCES = "default-model/";

    /** One line of the manifest. */
    record Entry(String sha256, long size, String name) {
    }

    private DefaultModel() {
    }

    /** The folder holding the default model's files, extracted on first use. */
    static Path directory(Map<String, String> env) {
        byte[] manifest = resource("MANIFEST");
        List<Entry> entries = parse(manifest);
        String key = HexFormat.of().formatHex(sha256(manifest)).substring(0, 16);
        Path cache = cacheRoot(env);
        if (cache != null) {
            Path dir = cache.resolve(key);
            if (isComplete(dir, entries)) {
                return dir;
            }
            try {
                return extract(entries, dir);
            } catch (IOException e) {
                // not writable (read-only home, full disk): fall through to a temporary copy
            }
        }
        try {
            Path tmp = Files.createTempDirectory("mamba-jvm-default-model-");
            write(entries, tmp);
            for (Entry e : entries) {
                tmp.resolve(e.name()).toFile().deleteOnExit();
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

    /** The manifest's lines, which must name exactly {@link #FILES}. */
    static List<Entry> parse(byte[] manifest) {
        List<Entry> entries = new ArrayList<>();
        for (String line : new String(manifest, StandardCharsets.UTF_8).strip().split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 3) {
                throw new IllegalStateException("embedded default model: bad MANIFEST line '" + line + "'");
            }
            entries.add(new Entry(f[0], Long.parseLong(f[1]), f[2]));
        }
        if (!entries.stream().map(Entry::name).toList().equals(FILES)) {
            throw new IllegalStateException("embedded default model: MANIFEST names " + entries.stream().map(Entry::name).toList()
                    + ", expected " + FILES);
        }
        return entries;
    }

    /** A resource of the model, from the jar (or the classes folder in a build). */
    static byte[] resource(String name) {
        try (InputStream in = DefaultModel.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("this mamba-cli build has no embedded default model (resource "
                        + RESOURCES + name + " missing): give --model");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the embedded default model's " + name + ": " + e.getMessage(), e);
        }
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    /** The folder exists and every file has its size: it was renamed into place whole. */
    private static boolean isComplete(Path dir, List<Entry> entries) {
        try {
            for (Entry e : entries) {
                Path p = dir.resolve(e.name());
                if (!Files.isRegularFile(p) || Files.size(p) != e.size()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path extract(List<Entry> entries, Path dir) throws IOException {
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".tmp-");
        try {
            write(entries, tmp);
            if (Files.exists(dir)) {
                deleteTree(dir);   // a broken copy (a file changed or cut by hand): replace it
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!isComplete(dir, entries)) {   // unless another process renamed its copy first
                    throw e;
                }
            }
            return dir;
        } finally {
            deleteTree(tmp);
        }
    }

    /** Writes each file into {@code dir}, after checking it against its manifest line. */
    private static void write(List<Entry> entries, Path dir) throws IOException {
        for (Entry e : entries) {
            byte[] bytes = resource(e.name());
            String sha = HexFormat.of().formatHex(sha256(bytes));
            if (bytes.length != e.size() || !sha.equals(e.sha256())) {
                throw new IllegalStateException("embedded default model: " + e.name() + " is " + bytes.length
                        + " bytes with SHA-256 " + sha + ", but MANIFEST says " + e.size() + " bytes, " + e.sha256()
                        + " (a damaged jar, or a model replaced without its MANIFEST)");
            }
            Files.write(dir.resolve(e.name()), bytes);
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
