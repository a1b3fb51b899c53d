package dev.mambajvm.backend;

/** The device compiler (NVRTC, clBuildProgram) rejected a generated kernel. */
public final class KernelCompilationException extends RuntimeException {
    private final String log;
    private final String source;

    public KernelCompilationException(String message, String log, String source) {
        super(message + "\n--- compiler log ---\n" + log + "\n--- source ---\n" + source);
        this.log = log;
        this.source = source;
    }

    public String log() {
        return log;
    }

    public String source() {
        return source;
    }
}
