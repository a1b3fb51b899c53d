package dev.mambajvm.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and loads {@code libcuda} and {@code libnvrtc}.
 *
 * <p>Private to the CUDA backend for now (the OpenCL backend grows its own loader in parallel; the
 * two will be unified). Loading never throws: the outcome is a {@link Result} that either holds the
 * library or says which library is missing and every place that was tried, which is what
 * {@link CudaBackend#unavailableReason()} shows to the user.
 */
final class CudaLibraries {
    private CudaLibraries() {
    }

    /** Environment variable naming the exact NVRTC library file to use (no search when set). */
    static final String NVRTC_ENV = "MAMBA_NVRTC";
    /** Environment variable naming the exact driver library file to use (no search when set). */
    static final String LIBCUDA_ENV = "MAMBA_LIBCUDA";

    /** A loaded library or why none could be loaded. */
    record Result(SymbolLookup lookup, String path, String failure) {
        static Result found(SymbolLookup lookup, String path) {
            return new Result(lookup, path, null);
        }

        static Result missing(String failure) {
            return new Result(null, null, failure);
        }

        boolean ok() {
            return lookup != null;
        }
    }

    /**
     * A place to try: a bare soname (resolved by the dynamic loader: LD_LIBRARY_PATH, ldconfig cache,
     * RUNPATH) or an absolute file.
     */
    record Candidate(String soname, Path file) {
        static Candidate byName(String soname) {
            return new Candidate(soname, null);
        }

        static Candidate file(Path file) {
            return new Candidate(null, file);
        }

        @Override
        public String toString() {
            return soname != null ? soname + " (by name)" : file.toString();
        }
    }

    // ---------------------------------------------------------------- libcuda

    /** Where the driver is looked for after the loader's own search, in order. */
    static final List<Path> DRIVER_DIRS = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/usr/local/nvidia/lib64"),
            Path.of("/usr/lib64"),
            Path.of("/usr/lib/wsl/lib"));

    static Result loadDriver() {
        return load("libcuda.so.1 (the NVIDIA driver library)", driverCandidates(System.getenv(), DRIVER_DIRS));
    }

    static List<Candidate> driverCandidates(Map<String, String> env, List<Path> dirs) {
        String explicit = env.get(LIBCUDA_ENV);
        if (explicit != null && !explicit.isBlank()) {
            return List.of(Candidate.file(Path.of(explicit)));
        }
        // Never the toolkit's stubs/libcuda.so: it loads but every call answers CUDA_ERROR_STUB_LIBRARY.
        List<Candidate> c = new ArrayList<>();
        c.add(Candidate.byName("libcuda.so.1"));
        for (Path d : dirs) {
            c.add(Candidate.file(d.resolve("libcuda.so.1")));
        }
        return c;
    }

    // ---------------------------------------------------------------- libnvrtc

    static Result loadNvrtc() {
        return load("libnvrtc (the CUDA runtime compiler; set " + NVRTC_ENV + "=/path/to/libnvrtc.so.N to name it)",
                nvrtcCandidates(System.getenv(), defaultNvrtcRoots(System.getenv())));
    }

    /**
     * Directories that may hold libnvrtc.so.N: CUDA_HOME / CUDA_PATH, every /usr/local/cuda*
     * (newest version first), and the pip wheels' nvidia/cuda_nvrtc/lib and nvidia/cu13/lib.
     */
    static List<Path> defaultNvrtcRoots(Map<String, String> env) {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                addToolkitDirs(dirs, Path.of(v));
            }
        }
        List<Path> toolkits = new ArrayList<>(listDir(Path.of("/usr/local"), "cuda*"));
        toolkits.sort(Comparator.comparing(CudaLibraries::versionKey).reversed());
        for (Path t : toolkits) {
            addToolkitDirs(dirs, t);
        }
        List<Path> pythonRoots = new ArrayList<>();
        String venv = env.get("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            pythonRoots.add(Path.of(venv, "lib"));
        }
        String conda = env.get("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            pythonRoots.add(Path.of(conda, "lib"));
        }
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            pythonRoots.add(Path.of(home, ".local", "lib"));
        }
        pythonRoots.add(Path.of("/usr/local/lib"));
        pythonRoots.add(Path.of("/usr/lib"));
        for (Path root : pythonRoots) {
            for (Path py : listDir(root, "python3*")) {
                for (String pk : List.of("site-packages", "dist-packages")) {
                    dirs.add(py.resolve(pk).resolve("nvidia/cu13/lib"));
                    dirs.add(py.resolve(pk).resolve("nvidia/cuda_nvrtc/lib"));
                }
            }
        }
        return List.copyOf(dirs);
    }

    private static void addToolkitDirs(Set<Path> dirs, Path toolkit) {
        dirs.add(toolkit.resolve("targets/x86_64-linux/lib"));
        dirs.add(toolkit.resolve("lib64"));
        dirs.add(toolkit.resolve("lib"));
    }

    /**
     * The NVRTC candidates: {@value #NVRTC_ENV} alone when set (an explicit choice is never
     * second-guessed), else the sonames 13 and 12 by name, then every libnvrtc.so* file in
     * {@code dirs}, highest version first within a directory.
     */
    static List<Candidate> nvrtcCandidates(Map<String, String> env, List<Path> dirs) {
        String explicit = env.get(NVRTC_ENV);
        if (explicit != null && !explicit.isBlank()) {
            return List.of(Candidate.file(Path.of(explicit)));
        }
        List<Candidate> c = new ArrayList<>();
        c.add(Candidate.byName("libnvrtc.so.13"));
        c.add(Candidate.byName("libnvrtc.so.12"));
        for (Path d : dirs) {
            List<Path> files = new ArrayList<>(listDir(d, "libnvrtc.so*"));
            files.removeIf(f -> !NVRTC_FILE.matcher(f.getFileName().toString()).matches());
            files.sort(Comparator.comparing(CudaLibraries::versionKey).reversed());
            if (files.isEmpty()) {
                // Still listed, so that the failure message says this directory was looked at.
                c.add(Candidate.file(d.resolve("libnvrtc.so")));
            }
            for (Path f : files) {
                c.add(Candidate.file(f));
            }
        }
        return c;
    }

    /** libnvrtc.so, libnvrtc.so.13, libnvrtc.so.12.4.127; not libnvrtc-builtins. */
    private static final Pattern NVRTC_FILE = Pattern.compile("libnvrtc\\.so(\\.\\d+)*");

    // ---------------------------------------------------------------- loading

    /** Tries the candidates in order; the first that the dynamic loader accepts wins. */
    static Result load(String what, List<Candidate> candidates) {
        List<String> tried = new ArrayList<>();
        for (Candidate c : candidates) {
            try {
                if (c.soname() != null) {
                    // Arena.global(): the library stays loaded for the life of the JVM, as the driver must.
                    SymbolLookup lookup = SymbolLookup.libraryLookup(c.soname(), Arena.global());
                    return Result.found(lookup, resolvedPath(c.soname()).orElse(c.soname()));
                }
                if (!Files.isRegularFile(c.file())) {
                    tried.add(c.file() + " (no such file)");
                    continue;
                }
                SymbolLookup lookup = SymbolLookup.libraryLookup(c.file(), Arena.global());
                return Result.found(lookup, c.file().toString());
            } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
                // IllegalArgumentException is how libraryLookup reports a dlopen failure;
                // IllegalCallerException means --enable-native-access is missing.
                tried.add(c + " (" + firstLine(e.getMessage()) + ")");
                if (e instanceof IllegalCallerException) {
                    break;
                }
            }
        }
        return Result.missing(what + " not found; tried: " + String.join(", ", tried));
    }

    /** The file the dynamic loader actually mapped for a soname, from /proc/self/maps (Linux only). */
    static Optional<String> resolvedPath(String soname) {
        Path maps = Path.of("/proc/self/maps");
        try {
            if (!Files.isReadable(maps)) {
                return Optional.empty();
            }
            String stem = soname.contains(".so") ? soname.substring(0, soname.indexOf(".so") + 3) : soname;
            for (String line : Files.readAllLines(maps)) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).trim();
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.startsWith(stem)) {
                    return Optional.of(path);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Only used for display: a failure here is not worth reporting.
        }
        return Optional.empty();
    }

    private static List<Path> listDir(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
            for (Path p : s) {
                out.add(p);
            }
        } catch (IOException | RuntimeException e) {
            // An unreadable directory is simply not a place the library can be.
        }
        return out;
    }

    /** Sort key that orders cuda-13.0 after cuda-12.9 and libnvrtc.so.13 after libnvrtc.so.12. */
    static String versionKey(Path p) {
        Matcher m = Pattern.compile("\\d+").matcher(p.getFileName().toString());
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            sb.append(String.format("%08d.", Long.parseLong(m.group().length() > 9 ? m.group().substring(0, 9) : m.group())));
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "cannot be loaded";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
