package dev.mambajvm.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVRTC, the CUDA runtime compiler, bound through java.lang.foreign: CUDA C source in, PTX out.
 * {@code nvrtcResult} is JAVA_INT, {@code nvrtcProgram} a pointer, {@code size_t} JAVA_LONG.
 */
final class Nvrtc {
    static final int NVRTC_SUCCESS = 0;
    static final int NVRTC_ERROR_COMPILATION = 6;

    private final String libraryPath;
    private final MethodHandle nvrtcVersion;
    private final MethodHandle nvrtcGetErrorString;
    private final MethodHandle nvrtcCreateProgram;
    private final MethodHandle nvrtcCompileProgram;
    private final MethodHandle nvrtcGetProgramLogSize;
    private final MethodHandle nvrtcGetProgramLog;
    private final MethodHandle nvrtcGetPTXSize;
    private final MethodHandle nvrtcGetPTX;
    private final MethodHandle nvrtcDestroyProgram;
    /** Absent before CUDA 11.2; then the device's own architecture is used as is. */
    private final MethodHandle nvrtcGetNumSupportedArchs;
    private final MethodHandle nvrtcGetSupportedArchs;

    private final int major;
    private final int minor;

    Nvrtc(SymbolLookup lib, String libraryPath) {
        this.libraryPath = libraryPath;
        Linker linker = Linker.nativeLinker();
        nvrtcVersion = bind(lib, linker, "nvrtcVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetErrorString = bind(lib, linker, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        nvrtcCreateProgram = bind(lib, linker, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        nvrtcCompileProgram = bind(lib, linker, "nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        nvrtcGetProgramLogSize = bind(lib, linker, "nvrtcGetProgramLogSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetProgramLog = bind(lib, linker, "nvrtcGetProgramLog", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetPTXSize = bind(lib, linker, "nvrtcGetPTXSize", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcGetPTX = bind(lib, linker, "nvrtcGetPTX", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        nvrtcDestroyProgram = bind(lib, linker, "nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        nvrtcGetNumSupportedArchs = lib.find("nvrtcGetNumSupportedArchs")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, ADDRESS))).orElse(null);
        nvrtcGetSupportedArchs = lib.find("nvrtcGetSupportedArchs")
                .map(s -> linker.downcallHandle(s, FunctionDescriptor.of(JAVA_INT, ADDRESS))).orElse(null);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(JAVA_INT);
            MemorySegment mi = a.allocate(JAVA_INT);
            check((int) nvrtcVersion.invokeExact(ma, mi), "nvrtcVersion");
            major = ma.get(JAVA_INT, 0);
            minor = mi.get(JAVA_INT, 0);
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("nvrtcVersion failed: " + t);
        }
    }

    private MethodHandle bind(SymbolLookup lib, Linker linker, String name, FunctionDescriptor fd) {
        return linker.downcallHandle(lib.find(name).orElseThrow(
                () -> new CudaException(libraryPath + " does not export " + name + ": not an NVRTC library?")), fd);
    }

    String libraryPath() {
        return libraryPath;
    }

    /** e.g. {@code 13.0}. */
    String version() {
        return major + "." + minor;
    }

    /** The compute capabilities this NVRTC can target (e.g. 75, 80, ..., 120), empty if it cannot say. */
    List<Integer> supportedArchs() {
        if (nvrtcGetNumSupportedArchs == null || nvrtcGetSupportedArchs == null) {
            return List.of();
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment n = a.allocate(JAVA_INT);
            check((int) nvrtcGetNumSupportedArchs.invokeExact(n), "nvrtcGetNumSupportedArchs");
            int count = n.get(JAVA_INT, 0);
            if (count <= 0 || count > 1000) {
                return List.of();
            }
            MemorySegment archs = a.allocate(JAVA_INT, count);
            check((int) nvrtcGetSupportedArchs.invokeExact(archs), "nvrtcGetSupportedArchs");
            return java.util.Arrays.stream(archs.toArray(JAVA_INT)).boxed().sorted().toList();
        } catch (CudaException e) {
            return List.of();
        } catch (Throwable t) {
            return List.of();
        }
    }

    /**
     * The highest architecture this NVRTC supports that does not exceed the device's: PTX for it
     * runs on the device (the driver JIT-compiles up), whereas asking for an architecture NVRTC
     * does not know fails with NVRTC_ERROR_INVALID_OPTION.
     */
    int targetArch(int deviceCc) {
        List<Integer> supported = supportedArchs();
        if (supported.isEmpty()) {
            return deviceCc;
        }
        int best = -1;
        for (int a : supported) {
            if (a <= deviceCc) {
                best = Math.max(best, a);
            }
        }
        if (best < 0) {
            throw new CudaException("NVRTC " + version() + " at " + libraryPath + " cannot target compute capability "
                    + deviceCc / 10 + "." + deviceCc % 10 + " (it supports " + supported + ")");
        }
        return best;
    }

    /** A compile outcome: PTX on success, otherwise the NVRTC status and log. */
    record Output(String ptx, int status, String log) {
        boolean ok() {
            return status == NVRTC_SUCCESS && ptx != null;
        }
    }

    /**
     * Compiles one translation unit. A compilation error is not thrown: the log comes back for the
     * caller to put into a KernelCompilationException; other NVRTC failures throw CudaException.
     */
    Output compile(String source, String programName, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progOut = a.allocate(ADDRESS);
            check((int) nvrtcCreateProgram.invokeExact(progOut, a.allocateFrom(source, StandardCharsets.UTF_8),
                    a.allocateFrom(programName), 0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment prog = progOut.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    opts.setAtIndex(ADDRESS, i, a.allocateFrom(options.get(i)));
                }
                int rc = (int) nvrtcCompileProgram.invokeExact(prog, options.size(), opts);
                String log = log(a, prog);
                if (rc != NVRTC_SUCCESS) {
                    if (rc == NVRTC_ERROR_COMPILATION || rc == 5 /* INVALID_OPTION */) {
                        return new Output(null, rc, errorName(rc) + "\n" + log);
                    }
                    throw new CudaException("nvrtcCompileProgram", rc, errorName(rc), log);
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check((int) nvrtcGetPTXSize.invokeExact(prog, size), "nvrtcGetPTXSize");
                long n = size.get(JAVA_LONG, 0);
                if (n <= 0 || n > Integer.MAX_VALUE) {
                    throw new CudaException("nvrtcGetPTXSize returned " + n + " bytes");
                }
                MemorySegment ptx = a.allocate(n);
                check((int) nvrtcGetPTX.invokeExact(prog, ptx), "nvrtcGetPTX");
                // The size includes the terminating NUL; getString stops there.
                return new Output(ptx.getString(0), NVRTC_SUCCESS, log);
            } finally {
                int rc = (int) nvrtcDestroyProgram.invokeExact(progOut);
                if (rc != NVRTC_SUCCESS) {
                    System.err.println("warning: nvrtcDestroyProgram failed: " + errorName(rc) + " (" + rc + ")");
                }
            }
        } catch (CudaException e) {
            throw e;
        } catch (Throwable t) {
            throw new CudaException("NVRTC call failed: " + t);
        }
    }

    private String log(Arena a, MemorySegment prog) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        if ((int) nvrtcGetProgramLogSize.invokeExact(prog, size) != NVRTC_SUCCESS) {
            return "(no log: nvrtcGetProgramLogSize failed)";
        }
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1 || n > 64L << 20) {
            return "";
        }
        MemorySegment buf = a.allocate(n);
        if ((int) nvrtcGetProgramLog.invokeExact(prog, buf) != NVRTC_SUCCESS) {
            return "(no log: nvrtcGetProgramLog failed)";
        }
        return buf.getString(0).strip();
    }

    private void check(int rc, String fn) {
        if (rc != NVRTC_SUCCESS) {
            throw new CudaException(fn, rc, errorName(rc), null);
        }
    }

    /** NVRTC's own name for a status (nvrtcGetErrorString returns the enum name), else the table's. */
    String errorName(int rc) {
        try {
            MemorySegment s = (MemorySegment) nvrtcGetErrorString.invokeExact(rc);
            if (!s.equals(MemorySegment.NULL)) {
                String name = s.reinterpret(256).getString(0);
                if (!name.isBlank()) {
                    return name;
                }
            }
        } catch (Throwable t) {
            // fall back to the table
        }
        return CudaErrors.nvrtcResultName(rc);
    }

    static Optional<String> describe(Nvrtc n) {
        return n == null ? Optional.empty() : Optional.of("NVRTC " + n.version() + " (" + n.libraryPath + ")");
    }
}
