package dev.mambajvm.backend.nativelib;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A native library opened through {@code java.lang.foreign}, and the downcall handles into it.
 *
 * <p>Backends must not fail with a stack trace when a driver is simply not installed, so
 * {@link #find} never throws for a missing library: it returns a {@link Search} whose
 * {@link Search#reason() reason} says what was tried. The library stays loaded for the life of the
 * JVM (global arena): driver libraries are not safe to unload while objects they made are alive.
 *
 * <p>Loading libraries and making downcalls are restricted methods: run with
 * {@code --enable-native-access=ALL-UNNAMED} (the build passes it to tests) to avoid the JVM's
 * warning, which is why the compiler's "restricted" lint is silenced here, in the one place they are used.
 */
@SuppressWarnings("restricted")
public final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String name;
    private final SymbolLookup lookup;

    private NativeLibrary(String name, SymbolLookup lookup) {
        this.name = name;
        this.lookup = lookup;
    }

    /**
     * The outcome of {@link #find}: the library, or why there is none.
     *
     * @param library the first candidate that loaded, if any
     * @param reason  empty when found; otherwise e.g. {@code libOpenCL.so.1 not found (tried ...)}
     */
    public record Search(Optional<NativeLibrary> library, String reason) {
        /** The same search with an install hint appended to the reason, e.g. which package to install. */
        public Search withHint(String hint) {
            return library.isPresent() ? this : new Search(library, reason + "; " + hint);
        }
    }

    /**
     * Opens the first candidate that loads. A candidate containing a {@code /} is a file path;
     * otherwise it is a name the system loader resolves ({@code dlopen} search path, {@code
     * LD_LIBRARY_PATH}, the ld cache).
     */
    public static Search find(String... candidates) {
        if (candidates.length == 0) {
            throw new IllegalArgumentException("no library candidates given");
        }
        List<String> failures = new ArrayList<>();
        for (String candidate : candidates) {
            if (candidate == null || candidate.isBlank()) {
                continue;
            }
            try {
                SymbolLookup lookup = candidate.contains("/")
                        ? SymbolLookup.libraryLookup(Path.of(candidate), Arena.global())
                        : SymbolLookup.libraryLookup(candidate, Arena.global());
                return new Search(Optional.of(new NativeLibrary(candidate, lookup)), "");
            } catch (IllegalArgumentException | IllegalCallerException e) {
                // IllegalArgumentException: not found or not loadable. IllegalCallerException:
                // native access was not granted (--enable-native-access), also worth reporting.
                failures.add(e instanceof IllegalCallerException ? candidate + ": " + e.getMessage() : candidate);
            }
        }
        String first = candidates[0];
        return new Search(Optional.empty(), first + " not found (tried " + String.join(", ", failures) + ")");
    }

    /** The candidate string that loaded (a name or a path). */
    public String name() {
        return name;
    }

    /**
     * Where the library was loaded from, read from {@code /proc/self/maps} on Linux (the system
     * loader resolved the name, so only the process knows); the name elsewhere.
     */
    public String resolvedPath() {
        String stem = Path.of(name).getFileName().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                // Lines look like "7f..-7f.. r-xp 00000000 08:01 1234  /usr/lib/x86_64-linux-gnu/libOpenCL.so.1.0.0".
                int slash = line.indexOf('/');
                if (slash >= 0 && Path.of(line.substring(slash)).getFileName().toString().startsWith(stem)) {
                    return line.substring(slash);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc unreadable: the name is the best we have.
        }
        return name;
    }

    /** Whether the library exports {@code symbol}. */
    public boolean has(String symbol) {
        return lookup.find(symbol).isPresent();
    }

    /**
     * A downcall handle for {@code symbol}.
     *
     * @throws UnsatisfiedLinkError naming the symbol and library when it is not exported (a library
     *                              older than the API we need)
     */
    public MethodHandle downcall(String symbol, FunctionDescriptor descriptor) {
        MemorySegment address = lookup.find(symbol).orElseThrow(
                () -> new UnsatisfiedLinkError(symbol + " not found in " + name));
        return LINKER.downcallHandle(address, descriptor);
    }

    /** A downcall handle, or empty when the symbol is missing (an optional, newer entry point). */
    public Optional<MethodHandle> optionalDowncall(String symbol, FunctionDescriptor descriptor) {
        return lookup.find(symbol).map(address -> LINKER.downcallHandle(address, descriptor));
    }

    @Override
    public String toString() {
        return "NativeLibrary[" + name + "]";
    }
}
