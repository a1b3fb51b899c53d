package dev.mambajvm.compiler;

import dev.mambajvm.lang.spec.Dialect;

import java.util.Map;

/**
 * What differs between CUDA C and OpenCL C, as a table of strings. The translator
 * ({@link KernelTranslator}) is one emitter for both; everything dialect-specific is looked up
 * here. The two dialects differ in a handful of places: how a kernel and a device function are
 * declared, the address-space qualifiers on pointers and local memory, the work-item built-ins,
 * the barrier, the names of the float math functions, 64-bit integers and half loads/stores.
 */
record CDialect(
        Dialect dialect,
        String header,
        String kernelQualifier,
        String deviceFunctionQualifier,
        String globalPointer,
        String localArray,
        String barrier,
        String longType,
        String longSuffix,
        String halfStorage,
        String positiveInfinity,
        String nan,
        String floatAsInt,
        String intAsFloat,
        String uint32,
        String floatAsUint,
        String uintAsFloat,
        Map<String, String> workItem,
        Map<String, String> floatMath) {

    /** {@code kind} is one of globalId, localId, groupId, globalSize, localSize; {@code d} 0..2. */
    String workItem(String kind, int d) {
        return workItem.get(kind).replace("$d", dialect == Dialect.CUDA ? "xyz".substring(d, d + 1) : String.valueOf(d));
    }

    static final CDialect CUDA = new CDialect(
            Dialect.CUDA,
            "// CUDA C, compiled at run time by NVRTC to PTX for the device's compute capability.",
            "extern \"C\" __global__ void",
            "__device__ static inline",
            "",
            "__shared__",
            "__syncthreads()",
            "long long",
            "LL",
            "unsigned short",
            "__int_as_float(0x7f800000)",
            "__int_as_float(0x7fc00000)",
            "__float_as_int",
            "__int_as_float",
            "unsigned int",
            "__float_as_uint",
            "__uint_as_float",
            Map.of(
                    "globalId", "(int) (blockIdx.$d * blockDim.$d + threadIdx.$d)",
                    "localId", "(int) threadIdx.$d",
                    "groupId", "(int) blockIdx.$d",
                    "globalSize", "(int) (gridDim.$d * blockDim.$d)",
                    "localSize", "(int) blockDim.$d"),
            Map.ofEntries(
                    Map.entry("exp", "expf"), Map.entry("exp2", "exp2f"),
                    Map.entry("exp2Ftz", "mamba_exp2_ftz"), Map.entry("log", "logf"), Map.entry("sqrt", "sqrtf"),
                    Map.entry("tanh", "tanhf"), Map.entry("pow", "powf"), Map.entry("fma", "fmaf"),
                    Map.entry("abs", "fabsf"), Map.entry("min", "fminf"), Map.entry("max", "fmaxf"),
                    Map.entry("sin", "sinf"), Map.entry("cos", "cosf"), Map.entry("floor", "floorf"),
                    Map.entry("ceil", "ceilf"), Map.entry("log1p", "log1pf"), Map.entry("expm1", "expm1f"),
                    Map.entry("rsqrt", "rsqrtf"), Map.entry("roundToTf32", "mamba_round_tf32")));

    static final CDialect OPENCL = new CDialect(
            Dialect.OPENCL,
            "// OpenCL C 1.2, compiled at run time by clBuildProgram for the chosen device.",
            "__kernel void",
            "static inline",
            "__global ",
            "__local",
            "barrier(CLK_LOCAL_MEM_FENCE)",
            "long",
            "L",
            "half",
            "INFINITY",
            "NAN",
            "as_int",
            "as_float",
            "uint",
            "as_uint",
            "as_float",
            Map.of(
                    "globalId", "(int) get_global_id($d)",
                    "localId", "(int) get_local_id($d)",
                    "groupId", "(int) get_group_id($d)",
                    "globalSize", "(int) get_global_size($d)",
                    "localSize", "(int) get_local_size($d)"),
            Map.ofEntries(
                    Map.entry("exp", "exp"), Map.entry("exp2", "exp2"),
                    Map.entry("exp2Ftz", "native_exp2"), Map.entry("log", "log"), Map.entry("sqrt", "sqrt"),
                    Map.entry("tanh", "tanh"), Map.entry("pow", "pow"), Map.entry("fma", "fma"),
                    Map.entry("abs", "fabs"), Map.entry("min", "fmin"), Map.entry("max", "fmax"),
                    Map.entry("sin", "sin"), Map.entry("cos", "cos"), Map.entry("floor", "floor"),
                    Map.entry("ceil", "ceil"), Map.entry("log1p", "log1p"), Map.entry("expm1", "expm1"),
                    Map.entry("rsqrt", "rsqrt"), Map.entry("roundToTf32", "mamba_round_tf32")));

    static CDialect of(Dialect d) {
        return d == Dialect.CUDA ? CUDA : OPENCL;
    }

    /** The C element type of a device array of {@code dtype}, as stored in memory. */
    String storageType(dev.mambajvm.lang.DType dtype) {
        return switch (dtype) {
            case F32 -> "float";
            case I32 -> "int";
            case I64 -> longType;
            case F16 -> halfStorage;
            case BF16 -> dialect == Dialect.CUDA ? "unsigned short" : "ushort";
        };
    }
}
