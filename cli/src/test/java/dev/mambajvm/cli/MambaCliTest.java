package dev.mambajvm.cli;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MambaCliTest {

    /** The result of one run: exit code and what went to stdout and stderr. */
    record Run(int code, String out, String err) {
    }

    /** Runs mamba-cli with {@code args} in this JVM, objects made by {@code factory}; captures both streams. */
    static Run execute(CommandLine.IFactory factory, String... args) {
        CommandLine cl = MambaCli.commandLine(factory);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** picocli's factory, with {@code setUp} applied to every command and mixin it makes (test seams). */
    static CommandLine.IFactory factory(Consumer<Object> setUp) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                K k = CommandLine.defaultFactory().create(cls);
                setUp.accept(k);
                return k;
            }
        };
    }

    static Run run(Supplier<List<Backend>> backends, String... args) {
        CommandLine.IFactory fakes = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == DevicesCommand.class) {
                    return cls.cast(new DevicesCommand(backends));
                }
                return CommandLine.defaultFactory().create(cls);
            }
        };
        return execute(fakes, args);
    }

    static Run run(String... args) {
        return run(() -> List.of(Fakes.jvm(), Fakes.openclUnavailable(), Fakes.cuda()), args);
    }

    // ------------------------------------------------------------ devices, text

    @Test
    void devicesTextListsEveryBackendAndDevice() {
        Run r = run("devices");
        assertEquals(0, r.code(), r.err());
        assertEquals("", r.err());
        String expected = """
                JVM     available, 1 device
                  cores                 16
                  vector width          256 bits (8 floats)
                  device jvm            JVM, 16 threads, Vector API
                    cores               16
                    max heap            31.4 GiB

                OpenCL  unavailable: libOpenCL.so.1 not found

                CUDA    available, 1 device
                  driver version        13.0
                  NVRTC version         13.0
                  libcuda               /usr/lib/x86_64-linux-gnu/libcuda.so.1
                  device cuda:0         NVIDIA H100 80GB HBM3
                    compute capability  9.0
                    SMs                 132
                    global memory       79.2 GiB
                """;
        assertEquals(expected, r.out());
    }

    @Test
    void devicesNeverPrintsAStackTraceForABackendThatThrows() {
        Run r = run(() -> List.of(Fakes.jvm(), Fakes.exploding()), "devices");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("OpenCL  unavailable: unavailableReason() failed: UnsatisfiedLinkError: "
                + "clGetPlatformIDs: symbol not found"), r.out());
        assertFalse(r.out().contains("\tat "), r.out());
        assertEquals("", r.err());
    }

    @Test
    void devicesReportsADeviceThatThrowsAndKeepsTheOthers() {
        Backend b = new Fakes.FakeBackend(BackendKind.CUDA, Optional.empty(), Map.of(), List.of(
                new Fakes.FakeDevice(BackendKind.CUDA, "cuda:0", "A", Map.of()),
                Fakes.throwingDevice("cuda:1", new IllegalStateException("CUDA_ERROR_ECC_UNCORRECTABLE"))));
        Run r = run(() -> List.of(b), "devices");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("device cuda:0  A\n"), r.out());
        assertTrue(r.out().contains("device cuda:1  error: IllegalStateException: CUDA_ERROR_ECC_UNCORRECTABLE\n"), r.out());
    }

    @Test
    void devicesWhenDiscoveryItselfFailsIsOneLineAndExit1() {
        Run r = run(() -> {
            throw new UnsupportedOperationException("implemented with the backends");
        }, "devices");
        assertEquals(1, r.code());
        assertEquals("", r.out());
        assertEquals("mamba-cli devices: cannot discover backends: UnsupportedOperationException: "
                + "implemented with the backends", r.err().strip());
        assertEquals(1, r.err().strip().lines().count());
    }

    @Test
    void multiLineReasonsAndValuesStayOnOneLine() {
        Backend b = new Fakes.FakeBackend(BackendKind.OPENCL, Optional.of("no ICD\nfound\r\n"), Map.of(), List.of());
        Run r = run(() -> List.of(b), "devices");
        assertEquals("OpenCL  unavailable: no ICD found\n", r.out());
    }

    // ------------------------------------------------------------ devices, JSON

    @Test
    @SuppressWarnings("unchecked")
    void devicesJsonParsesAndHasTheDocumentedShape() {
        Run r = run("devices", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), "one line: " + r.out());
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.out());
        assertEquals(List.of("backends"), new ArrayList<>(root.keySet()));
        List<Object> backends = (List<Object>) root.get("backends");
        assertEquals(3, backends.size());

        Map<String, Object> jvm = (Map<String, Object>) backends.get(0);
        assertEquals(List.of("kind", "available", "reason", "properties", "devices"), new ArrayList<>(jvm.keySet()));
        assertEquals("JVM", jvm.get("kind"));
        assertEquals(true, jvm.get("available"));
        assertEquals(null, jvm.get("reason"));
        assertEquals(List.of("cores", "vector width"),
                new ArrayList<>(((Map<String, Object>) jvm.get("properties")).keySet()));

        Map<String, Object> ocl = (Map<String, Object>) backends.get(1);
        assertEquals("OPENCL", ocl.get("kind"));
        assertEquals(false, ocl.get("available"));
        assertEquals("libOpenCL.so.1 not found", ocl.get("reason"));
        assertEquals(List.of(), ocl.get("devices"));

        Map<String, Object> cuda = (Map<String, Object>) backends.get(2);
        Map<String, Object> dev = (Map<String, Object>) ((List<Object>) cuda.get("devices")).get(0);
        assertEquals("cuda:0", dev.get("id"));
        assertEquals("NVIDIA H100 80GB HBM3", dev.get("name"));
        assertEquals("9.0", ((Map<String, Object>) dev.get("properties")).get("compute capability"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void devicesJsonEscapesQuotesBackslashesAndControlCharacters() {
        String nasty = "say \"hi\" C:\\path\\x\n\ttab\u0001\u001f\u007f end \u00e9\u2028";
        Backend b = new Fakes.FakeBackend(BackendKind.OPENCL, Optional.empty(), Fakes.props("key \"q\"\n", nasty),
                List.of(new Fakes.FakeDevice(BackendKind.OPENCL, "opencl:0", nasty, Fakes.props(nasty, nasty))));
        Run r = run(() -> List.of(b), "devices", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().lines().count(), r.out());
        Map<String, Object> root = (Map<String, Object>) MiniJson.parse(r.out());
        Map<String, Object> be = (Map<String, Object>) ((List<Object>) root.get("backends")).get(0);
        assertEquals(nasty, ((Map<String, Object>) be.get("properties")).get("key \"q\"\n"));
        Map<String, Object> dev = (Map<String, Object>) ((List<Object>) be.get("devices")).get(0);
        assertEquals(nasty, dev.get("name"));
        assertEquals(nasty, ((Map<String, Object>) dev.get("properties")).get(nasty));
    }

    @Test
    void jsonQuote() {
        assertEquals("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0000\\u001f\\u007f\"",
                Json.quote("a\"b\\c\n\r\t\b\f\u0000\u001f\u007f"));
        assertEquals("null", Json.quote(null));
        assertEquals("\"\u00e9\ud83d\ude00\"", Json.quote("\u00e9\ud83d\ude00"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", Arrays.asList(1, true, null, "x"));
        m.put("b", Map.of());
        assertEquals("{\"a\":[1,true,null,\"x\"],\"b\":{}}", Json.write(m));
    }

    @Test
    void devicesJsonWithNoBackends() {
        Run r = run(List::of, "devices", "--json");
        assertEquals("{\"backends\":[]}\n", r.out());
    }

    // ------------------------------------------------------------ version, help, usage errors

    @Test
    void version() {
        Run r = run("--version");
        assertEquals(0, r.code());
        String first = r.out().lines().findFirst().orElse("");
        assertTrue(first.matches("mamba-cli \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), first);
        assertTrue(r.out().contains("Java "), r.out());
    }

    @Test
    void everyCommandsHelpHasExamples() {
        List<CommandLine> all = new ArrayList<>();
        collect(MambaCli.commandLine(CommandLine.defaultFactory()), all);
        assertTrue(all.size() >= 2, "mamba-cli and its subcommands");
        for (CommandLine c : all) {
            String[] path = c.getCommandSpec().qualifiedName().split(" ");
            List<String> args = new ArrayList<>(List.of(path).subList(1, path.length));
            args.add("--help");
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), String.join(" ", args));
            assertTrue(r.out().contains("\nExamples:\n"), c.getCommandName() + " --help:\n" + r.out());
            assertTrue(r.out().contains("Usage: " + c.getCommandSpec().qualifiedName()), r.out());
        }
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }

    @Test
    void noSubcommandPrintsUsage() {
        Run r = run();
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: mamba-cli"), r.out());
        assertTrue(r.out().contains("devices"), r.out());
    }

    @Test
    void unknownOptionIsExit2WithOneLine() {
        Run r = run("--bogus");
        assertEquals(2, r.code());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("mamba-cli: Unknown option: '--bogus' (see 'mamba-cli --help')", r.err().strip());

        Run s = run("devices", "--jsn");
        assertEquals(2, s.code());
        assertEquals(1, s.err().strip().lines().count(), s.err());
        assertTrue(s.err().startsWith("mamba-cli devices: Unknown option: '--jsn'"), s.err());
    }

    @Test
    void unknownSubcommandIsExit2WithOneLine() {
        Run r = run("generat");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
