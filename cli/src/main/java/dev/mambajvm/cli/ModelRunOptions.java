package dev.mambajvm.cli;

import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import dev.mambajvm.model.MambaModel;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** The options every command that runs a model takes: where it runs, and whether to report memory. */
final class ModelRunOptions {

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "auto",
            description = "auto, jvm, cpu, opencl[:N] or cuda[:N] (default: ${DEFAULT-VALUE}: CUDA, else an OpenCL GPU,"
                    + " else an OpenCL CPU device such as PoCL, else the JVM).")
    String device;

    @Option(names = "--verbose", description = "Also print, on stderr, the device, weight bytes, state bytes per"
            + " sequence, kernel launches per decoded token (generate) and peak device memory.")
    boolean verbose;

    /** With --verbose: the device, weight bytes and state bytes per sequence, once the model is loaded. */
    void reportLoaded(PrintWriter err, Device d, MambaModel m) {
        if (verbose) {
            ModelArgs.reportMemory(err, d, m);
        }
    }

    /** With --verbose: the kernel launches of one decode step, and how they are issued. */
    void reportDecode(PrintWriter err, Device d, MambaModel m, boolean greedy) {
        if (verbose) {
            err.println("decode step    " + m.decodeLaunchCount(greedy) + " kernel launches per token, recorded once and "
                    + (d.kind() == BackendKind.CUDA ? "replayed as a CUDA Graph" : "re-issued per token"));
            err.flush();
        }
    }

    /** With --verbose: peak device memory, after the run. */
    void reportFinished(PrintWriter err, Device d) {
        if (verbose) {
            ModelArgs.reportPeak(err, d);
        }
    }
}
