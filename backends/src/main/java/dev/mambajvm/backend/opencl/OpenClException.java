package dev.mambajvm.backend.opencl;

/**
 * An OpenCL call returned an error. The message names the call and the error, e.g.
 * {@code clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE (-11)}, plus context where the caller
 * has some.
 */
public final class OpenClException extends RuntimeException {
    private final String call;
    private final int code;

    public OpenClException(String call, int code) {
        this(call, code, null);
    }

    public OpenClException(String call, int code, String detail) {
        super(call + " failed: " + ClErrors.describe(code) + (detail == null ? "" : " (" + detail + ")"));
        this.call = call;
        this.code = code;
    }

    /** The OpenCL function that failed, e.g. {@code clEnqueueNDRangeKernel}. */
    public String call() {
        return call;
    }

    /** The negative OpenCL error code. */
    public int code() {
        return code;
    }
}
