package dev.mambajvm.backend.cuda;

/**
 * A CUDA driver or NVRTC call returned an error. The message names the call, the status name and
 * its number, e.g. {@code cuModuleLoadData failed: CUDA_ERROR_INVALID_PTX (218)}, so that a log line
 * alone is enough to look the failure up.
 */
public final class CudaException extends RuntimeException {
    private final String function;
    private final int code;
    private final String codeName;

    public CudaException(String function, int code, String codeName, String detail) {
        super(CudaErrors.failure(function, codeName, code) + (detail == null || detail.isEmpty() ? "" : ": " + detail));
        this.function = function;
        this.code = code;
        this.codeName = codeName;
    }

    /** A failure with no status code (a missing symbol, a library that does not load). */
    public CudaException(String message) {
        super(message);
        this.function = null;
        this.code = -1;
        this.codeName = null;
    }

    /** The C function that failed, or null. */
    public String function() {
        return function;
    }

    /** The CUresult / nvrtcResult, or -1. */
    public int code() {
        return code;
    }

    /** e.g. {@code CUDA_ERROR_INVALID_PTX}, or null. */
    public String codeName() {
        return codeName;
    }
}
