package dev.mambajvm.cli;

import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelParam;
import dev.mambajvm.lang.spec.KernelSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code mamba-cli kernels}: lists the compiled kernels, or prints one kernel's generated code. */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = "List the kernels in this build, or print the CUDA C / OpenCL C generated for one.",
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli kernels",
                "  mamba-cli kernels --emit cuda VectorKernels.vectorAdd",
                "  mamba-cli kernels --emit opencl ReductionKernels.groupSum --constant groupSize=256"})
public final class KernelsCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--emit", paramLabel = "DIALECT",
            description = "Print the generated code of kernel NAME in this dialect: cuda or opencl.")
    String emit;

    @Option(names = "--constant", paramLabel = "NAME=VALUE",
            description = "A value for one of the kernel's @Constant parameters (repeatable).")
    Map<String, String> constants = new LinkedHashMap<>();

    @Parameters(arity = "0..1", paramLabel = "NAME",
            description = "Kernel name: Class.method (e.g. VectorKernels.vectorAdd), the full id, or a unique method name.")
    String name;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<KernelSpec> all = KernelSpec.all(KernelsCommand.class.getClassLoader());
        if (emit == null) {
            if (name != null) {
                KernelSpec k = find(all, name);
                out.println(describe(k));
                return 0;
            }
            for (KernelSpec k : all) {
                out.println(describe(k));
            }
            return 0;
        }
        Dialect dialect = switch (emit.toLowerCase(Locale.ROOT)) {
            case "cuda" -> Dialect.CUDA;
            case "opencl" -> Dialect.OPENCL;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--emit takes cuda or opencl, not '" + emit + "'");
        };
        if (name == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--emit needs a kernel NAME (see: mamba-cli kernels)");
        }
        KernelSpec k = find(all, name);
        try {
            out.print(k.source(dialect, parseConstants(k)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage() + usageOfConstants(k));
        }
        out.flush();
        return 0;
    }

    private KernelSpec find(List<KernelSpec> all, String wanted) {
        List<KernelSpec> matches = all.stream().filter(k -> k.id().equals(wanted) || k.displayName().equals(wanted)
                || k.name().equals(wanted)).toList();
        if (matches.size() == 1) {
            return matches.getFirst();
        }
        String known = all.stream().map(KernelSpec::displayName).collect(Collectors.joining(", "));
        throw new CommandLine.ParameterException(spec.commandLine(), matches.isEmpty()
                ? "no kernel named '" + wanted + "' (kernels: " + known + ")"
                : "'" + wanted + "' is ambiguous: " + matches.stream().map(KernelSpec::displayName).collect(Collectors.joining(", ")));
    }

    private Map<String, Number> parseConstants(KernelSpec k) {
        Map<String, Number> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : constants.entrySet()) {
            KernelParam p = k.constants().stream().filter(c -> c.name().equals(e.getKey())).findFirst().orElse(null);
            if (p == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "kernel " + k.displayName()
                        + " has no @Constant '" + e.getKey() + "'" + usageOfConstants(k));
            }
            try {
                values.put(e.getKey(), p.scalarType().equals("int") ? (Number) Integer.parseInt(e.getValue().trim())
                        : (Number) Float.parseFloat(e.getValue().trim()));
            } catch (NumberFormatException ex) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--constant " + e.getKey() + "=" + e.getValue()
                        + ": expected " + (p.scalarType().equals("int") ? "an integer" : "a number"));
            }
        }
        return values;
    }

    private static String usageOfConstants(KernelSpec k) {
        if (k.constants().isEmpty()) {
            return " (it has no @Constant parameters)";
        }
        return " (give " + k.constants().stream().map(c -> "--constant " + c.name() + "=<" + c.scalarType() + ">")
                .collect(Collectors.joining(" ")) + ")";
    }

    static String describe(KernelSpec k) {
        String params = k.launchParams().stream().map(p -> p.kind() == KernelParam.Kind.ARRAY
                ? p.arrayType().code() + "[] " + p.name() + (p.written() ? " (written)" : "")
                : p.scalarType() + " " + p.name()).collect(Collectors.joining(", "));
        String constants = k.constants().stream().map(c -> c.scalarType() + " " + c.name()).collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "%-38s %-26s (%s)%s%s", k.displayName(), k.location(), params,
                constants.isEmpty() ? "" : "  constants: " + constants, k.usesBarriers() ? "  barriers" : "");
    }
}
