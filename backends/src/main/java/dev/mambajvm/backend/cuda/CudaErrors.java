package dev.mambajvm.backend.cuda;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names of CUDA driver ({@code CUresult}) and NVRTC ({@code nvrtcResult}) status codes.
 *
 * <p>The driver can name its own codes ({@code cuGetErrorName}) and {@link CudaDriver} asks it first;
 * these tables are the fallback for when that call itself fails or the library is not loaded, and
 * they let messages stay readable in tests without a GPU. The CUresult numbers are copied from
 * CUDA 13.0's {@code cuda.h} ({@code enum cudaError_enum}); a unit test checks them against the
 * header when one is installed.
 */
public final class CudaErrors {
    private CudaErrors() {
    }

    private static final Map<Integer, String> CU_RESULT;
    private static final Map<Integer, String> NVRTC_RESULT;

    static {
        Map<Integer, String> m = new TreeMap<>();
        m.put(0, "CUDA_SUCCESS");
        m.put(1, "CUDA_ERROR_INVALID_VALUE");
        m.put(2, "CUDA_ERROR_OUT_OF_MEMORY");
        m.put(3, "CUDA_ERROR_NOT_INITIALIZED");
        m.put(4, "CUDA_ERROR_DEINITIALIZED");
        m.put(5, "CUDA_ERROR_PROFILER_DISABLED");
        m.put(6, "CUDA_ERROR_PROFILER_NOT_INITIALIZED");
        m.put(7, "CUDA_ERROR_PROFILER_ALREADY_STARTED");
        m.put(8, "CUDA_ERROR_PROFILER_ALREADY_STOPPED");
        m.put(34, "CUDA_ERROR_STUB_LIBRARY");
        m.put(36, "CUDA_ERROR_CALL_REQUIRES_NEWER_DRIVER");
        m.put(46, "CUDA_ERROR_DEVICE_UNAVAILABLE");
        m.put(100, "CUDA_ERROR_NO_DEVICE");
        m.put(101, "CUDA_ERROR_INVALID_DEVICE");
        m.put(102, "CUDA_ERROR_DEVICE_NOT_LICENSED");
        m.put(200, "CUDA_ERROR_INVALID_IMAGE");
        m.put(201, "CUDA_ERROR_INVALID_CONTEXT");
        m.put(202, "CUDA_ERROR_CONTEXT_ALREADY_CURRENT");
        m.put(205, "CUDA_ERROR_MAP_FAILED");
        m.put(206, "CUDA_ERROR_UNMAP_FAILED");
        m.put(207, "CUDA_ERROR_ARRAY_IS_MAPPED");
        m.put(208, "CUDA_ERROR_ALREADY_MAPPED");
        m.put(209, "CUDA_ERROR_NO_BINARY_FOR_GPU");
        m.put(210, "CUDA_ERROR_ALREADY_ACQUIRED");
        m.put(211, "CUDA_ERROR_NOT_MAPPED");
        m.put(212, "CUDA_ERROR_NOT_MAPPED_AS_ARRAY");
        m.put(213, "CUDA_ERROR_NOT_MAPPED_AS_POINTER");
        m.put(214, "CUDA_ERROR_ECC_UNCORRECTABLE");
        m.put(215, "CUDA_ERROR_UNSUPPORTED_LIMIT");
        m.put(216, "CUDA_ERROR_CONTEXT_ALREADY_IN_USE");
        m.put(217, "CUDA_ERROR_PEER_ACCESS_UNSUPPORTED");
        m.put(218, "CUDA_ERROR_INVALID_PTX");
        m.put(219, "CUDA_ERROR_INVALID_GRAPHICS_CONTEXT");
        m.put(220, "CUDA_ERROR_NVLINK_UNCORRECTABLE");
        m.put(221, "CUDA_ERROR_JIT_COMPILER_NOT_FOUND");
        m.put(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION");
        m.put(223, "CUDA_ERROR_JIT_COMPILATION_DISABLED");
        m.put(224, "CUDA_ERROR_UNSUPPORTED_EXEC_AFFINITY");
        m.put(225, "CUDA_ERROR_UNSUPPORTED_DEVSIDE_SYNC");
        m.put(226, "CUDA_ERROR_CONTAINED");
        m.put(300, "CUDA_ERROR_INVALID_SOURCE");
        m.put(301, "CUDA_ERROR_FILE_NOT_FOUND");
        m.put(302, "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND");
        m.put(303, "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED");
        m.put(304, "CUDA_ERROR_OPERATING_SYSTEM");
        m.put(400, "CUDA_ERROR_INVALID_HANDLE");
        m.put(401, "CUDA_ERROR_ILLEGAL_STATE");
        m.put(402, "CUDA_ERROR_LOSSY_QUERY");
        m.put(500, "CUDA_ERROR_NOT_FOUND");
        m.put(600, "CUDA_ERROR_NOT_READY");
        m.put(700, "CUDA_ERROR_ILLEGAL_ADDRESS");
        m.put(701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES");
        m.put(702, "CUDA_ERROR_LAUNCH_TIMEOUT");
        m.put(703, "CUDA_ERROR_LAUNCH_INCOMPATIBLE_TEXTURING");
        m.put(704, "CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED");
        m.put(705, "CUDA_ERROR_PEER_ACCESS_NOT_ENABLED");
        m.put(708, "CUDA_ERROR_PRIMARY_CONTEXT_ACTIVE");
        m.put(709, "CUDA_ERROR_CONTEXT_IS_DESTROYED");
        m.put(710, "CUDA_ERROR_ASSERT");
        m.put(711, "CUDA_ERROR_TOO_MANY_PEERS");
        m.put(712, "CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED");
        m.put(713, "CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED");
        m.put(714, "CUDA_ERROR_HARDWARE_STACK_ERROR");
        m.put(715, "CUDA_ERROR_ILLEGAL_INSTRUCTION");
        m.put(716, "CUDA_ERROR_MISALIGNED_ADDRESS");
        m.put(717, "CUDA_ERROR_INVALID_ADDRESS_SPACE");
        m.put(718, "CUDA_ERROR_INVALID_PC");
        m.put(719, "CUDA_ERROR_LAUNCH_FAILED");
        m.put(720, "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE");
        m.put(721, "CUDA_ERROR_TENSOR_MEMORY_LEAK");
        m.put(800, "CUDA_ERROR_NOT_PERMITTED");
        m.put(801, "CUDA_ERROR_NOT_SUPPORTED");
        m.put(802, "CUDA_ERROR_SYSTEM_NOT_READY");
        m.put(803, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH");
        m.put(804, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE");
        m.put(805, "CUDA_ERROR_MPS_CONNECTION_FAILED");
        m.put(806, "CUDA_ERROR_MPS_RPC_FAILURE");
        m.put(807, "CUDA_ERROR_MPS_SERVER_NOT_READY");
        m.put(808, "CUDA_ERROR_MPS_MAX_CLIENTS_REACHED");
        m.put(809, "CUDA_ERROR_MPS_MAX_CONNECTIONS_REACHED");
        m.put(810, "CUDA_ERROR_MPS_CLIENT_TERMINATED");
        m.put(811, "CUDA_ERROR_CDP_NOT_SUPPORTED");
        m.put(812, "CUDA_ERROR_CDP_VERSION_MISMATCH");
        m.put(900, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED");
        m.put(901, "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED");
        m.put(902, "CUDA_ERROR_STREAM_CAPTURE_MERGE");
        m.put(903, "CUDA_ERROR_STREAM_CAPTURE_UNMATCHED");
        m.put(904, "CUDA_ERROR_STREAM_CAPTURE_UNJOINED");
        m.put(905, "CUDA_ERROR_STREAM_CAPTURE_ISOLATION");
        m.put(906, "CUDA_ERROR_STREAM_CAPTURE_IMPLICIT");
        m.put(907, "CUDA_ERROR_CAPTURED_EVENT");
        m.put(908, "CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD");
        m.put(909, "CUDA_ERROR_TIMEOUT");
        m.put(910, "CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE");
        m.put(911, "CUDA_ERROR_EXTERNAL_DEVICE");
        m.put(912, "CUDA_ERROR_INVALID_CLUSTER_SIZE");
        m.put(913, "CUDA_ERROR_FUNCTION_NOT_LOADED");
        m.put(914, "CUDA_ERROR_INVALID_RESOURCE_TYPE");
        m.put(915, "CUDA_ERROR_INVALID_RESOURCE_CONFIGURATION");
        m.put(916, "CUDA_ERROR_KEY_ROTATION");
        m.put(999, "CUDA_ERROR_UNKNOWN");
        CU_RESULT = Collections.unmodifiableMap(m);

        Map<Integer, String> n = new TreeMap<>();
        n.put(0, "NVRTC_SUCCESS");
        n.put(1, "NVRTC_ERROR_OUT_OF_MEMORY");
        n.put(2, "NVRTC_ERROR_PROGRAM_CREATION_FAILURE");
        n.put(3, "NVRTC_ERROR_INVALID_INPUT");
        n.put(4, "NVRTC_ERROR_INVALID_PROGRAM");
        n.put(5, "NVRTC_ERROR_INVALID_OPTION");
        n.put(6, "NVRTC_ERROR_COMPILATION");
        n.put(7, "NVRTC_ERROR_BUILTIN_OPERATION_FAILURE");
        n.put(8, "NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION");
        n.put(9, "NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION");
        n.put(10, "NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID");
        n.put(11, "NVRTC_ERROR_INTERNAL_ERROR");
        n.put(12, "NVRTC_ERROR_TIME_FILE_WRITE_FAILED");
        n.put(13, "NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED");
        n.put(14, "NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED");
        n.put(15, "NVRTC_ERROR_PCH_CREATE");
        n.put(16, "NVRTC_ERROR_CANCELLED");
        n.put(17, "NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED");
        NVRTC_RESULT = Collections.unmodifiableMap(n);
    }

    /** The CUresult table, code to name. */
    public static Map<Integer, String> cuResultNames() {
        return CU_RESULT;
    }

    /** The nvrtcResult table, code to name. */
    public static Map<Integer, String> nvrtcResultNames() {
        return NVRTC_RESULT;
    }

    /** e.g. {@code CUDA_ERROR_INVALID_PTX}; {@code CUDA_ERROR_<code>} for a code this table does not know. */
    public static String cuResultName(int code) {
        String name = CU_RESULT.get(code);
        return name != null ? name : "CUDA_ERROR_UNRECOGNIZED_" + code;
    }

    /** e.g. {@code NVRTC_ERROR_COMPILATION}. */
    public static String nvrtcResultName(int code) {
        String name = NVRTC_RESULT.get(code);
        return name != null ? name : "NVRTC_ERROR_UNRECOGNIZED_" + code;
    }

    /** The standard message: {@code cuModuleLoadData failed: CUDA_ERROR_INVALID_PTX (218)}. */
    static String failure(String function, String name, int code) {
        return function + " failed: " + name + " (" + code + ")";
    }
}
