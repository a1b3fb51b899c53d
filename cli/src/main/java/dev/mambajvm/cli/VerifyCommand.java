package dev.mambajvm.cli;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.kernels.verify.BasicsSuite;
import dev.mambajvm.kernels.verify.Check;
import dev.mambajvm.kernels.verify.MambaKernelsSuite;
import dev.mambajvm.kernels.verify.SelectiveScanSuite;
import dev.mambajvm.kernels.verify.SsdSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code mamba-cli verify}: runs the kernel suite on devices against float64 references. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Run every kernel on the chosen devices and check it against a float64 reference"
                + " on fresh random inputs. Exits 1 if any check fails.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli verify                      # every device found",
                "  mamba-cli verify --device jvm --device opencl:0",
                "  mamba-cli verify --device cuda:0 --seed 7"})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--device", paramLabel = "DEVICE",
            description = "jvm, opencl[:N], cuda[:N] or auto (repeatable; default: every available device).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--seed", description = "Seed of the random inputs (default: a fresh one each run, printed).")
    Long seed;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> ids = new ArrayList<>(devices);
        if (ids.isEmpty()) {
            for (Backend b : Devices.backends()) {
                b.devices().forEach(d -> ids.add(d.id()));
            }
        }
        long s = seed != null ? seed : System.nanoTime();
        int failed = 0;
        int total = 0;
        for (String id : ids) {
            try (Device device = Devices.open(id)) {
                out.println("== " + device.id() + " (" + device.name() + "), seed " + s);
                out.flush();
                List<Check> checks = new ArrayList<>(new BasicsSuite(device, s).runAll());
                checks.addAll(new MambaKernelsSuite(device, s).runAll());
                checks.addAll(new SelectiveScanSuite(device, s).runAll());
                checks.addAll(new SsdSuite(device, s).runAll());
                for (Check c : checks) {
                    out.println(c);
                    out.flush();
                    total++;
                    failed += c.passed() ? 0 : 1;
                }
            }
        }
        out.println((total - failed) + " passed, " + failed + " failed");
        return failed == 0 ? 0 : 1;
    }
}
