package dev.mambajvm.cli;

import dev.mambajvm.backend.Backend;
import dev.mambajvm.backend.BackendKind;
import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code mamba-cli devices}: every backend with its properties and devices, as text or JSON. A
 * backend that is unavailable, or that throws while being asked, is shown with the reason; the
 * command never prints a stack trace for it.
 */
@Command(name = "devices",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Lists the backends (JVM, OpenCL, CUDA) and their devices.",
                "JVM: cores, Vector API width. OpenCL: platform, device, version, compute units,",
                "global and local memory. CUDA: device, compute capability, SMs, memory, driver",
                "and NVRTC versions. An unavailable backend says why.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli devices            readable listing",
                "  mamba-cli devices --json     one JSON object, e.g.",
                "    {\"backends\":[{\"kind\":\"CUDA\",\"available\":true,\"reason\":null,",
                "      \"properties\":{...},\"devices\":[{\"id\":\"cuda:0\",\"name\":\"...\",",
                "      \"properties\":{...}}]}]}",
                "  mamba-cli devices --json | jq -r '.backends[].devices[].id'",
        })
public final class DevicesCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object instead of the readable listing.")
    boolean json;

    @Spec
    CommandSpec spec;

    private final Supplier<? extends List<? extends Backend>> source;

    /** The real backends, from {@link Devices#backends()}. */
    public DevicesCommand() {
        this(Devices::backends);
    }

    /** Backends from {@code source} (tests pass fakes). */
    public DevicesCommand(Supplier<? extends List<? extends Backend>> source) {
        this.source = source;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<? extends Backend> backends;
        try {
            backends = source.get();
            if (backends == null) {
                backends = List.of();
            }
        } catch (Throwable t) {
            rethrowFatal(t);
            err.println(spec.qualifiedName() + ": cannot discover backends: " + MambaCli.describe(t));
            err.flush();
            return 1;
        }
        List<BackendInfo> infos = new ArrayList<>();
        for (Backend b : backends) {
            infos.add(BackendInfo.of(b));
        }
        out.print(json ? toJson(infos) + "\n" : toText(infos));
        out.flush();
        return 0;
    }

    // ---------------------------------------------------------------- snapshot

    /** What one backend said, gathered defensively: any throwable becomes a reason or an error. */
    record BackendInfo(String kind, String displayName, boolean available, String reason,
                       Map<String, String> properties, List<DeviceInfo> devices) {

        static BackendInfo of(Backend b) {
            String kind;
            String display;
            try {
                BackendKind k = b.kind();
                kind = k.name();
                display = DevicesCommand.displayName(k);
            } catch (Throwable t) {
                rethrowFatal(t);
                kind = "UNKNOWN";
                display = b == null ? "null" : b.getClass().getSimpleName();
            }
            if (b == null) {
                return new BackendInfo(kind, display, false, "no backend object", Map.of(), List.of());
            }
            String reason = null;
            try {
                Optional<String> r = b.unavailableReason();
                if (r != null && r.isPresent()) {
                    reason = MambaCli.oneLine(r.get());
                    if (reason.isEmpty()) {
                        reason = "(no reason given)";
                    }
                }
            } catch (Throwable t) {
                rethrowFatal(t);
                reason = "unavailableReason() failed: " + MambaCli.describe(t);
            }
            Map<String, String> props = Map.of();
            try {
                props = copy(b.properties());
            } catch (Throwable t) {
                rethrowFatal(t);
                if (reason == null) {
                    reason = "properties() failed: " + MambaCli.describe(t);
                }
            }
            List<DeviceInfo> devices = new ArrayList<>();
            if (reason == null) {
                try {
                    List<Device> ds = b.devices();
                    if (ds != null) {
                        for (Device d : ds) {
                            devices.add(DeviceInfo.of(d));
                        }
                    }
                } catch (Throwable t) {
                    rethrowFatal(t);
                    reason = "devices() failed: " + MambaCli.describe(t);
                    devices.clear();
                }
            }
            return new BackendInfo(kind, display, reason == null, reason, props, List.copyOf(devices));
        }
    }

    /** One device; {@code error} is null unless asking it threw. */
    record DeviceInfo(String id, String name, Map<String, String> properties, String error) {

        static DeviceInfo of(Device d) {
            if (d == null) {
                return new DeviceInfo("?", "", Map.of(), "no device object");
            }
            String id = "?";
            String name = "";
            Map<String, String> props = Map.of();
            String error = null;
            try {
                id = String.valueOf(d.id());
                name = d.name() == null ? "" : d.name();
                props = copy(d.properties());
            } catch (Throwable t) {
                rethrowFatal(t);
                error = MambaCli.describe(t);
            }
            return new DeviceInfo(id, name, props, error);
        }
    }

    /** An ordered copy with nulls as empty strings. */
    private static Map<String, String> copy(Map<String, String> m) {
        Map<String, String> c = new LinkedHashMap<>();
        if (m != null) {
            m.forEach((k, v) -> c.put(String.valueOf(k), v == null ? "" : v));
        }
        return c;
    }

    static String displayName(BackendKind k) {
        return switch (k) {
            case JVM -> "JVM";
            case OPENCL -> "OpenCL";
            case CUDA -> "CUDA";
        };
    }

    /** Out of memory and other VM failures are not a backend's reason: let them through. */
    private static void rethrowFatal(Throwable t) {
        if (t instanceof VirtualMachineError e) {
            throw e;
        }
    }

    // ---------------------------------------------------------------- text

    private static final int BACKEND_INDENT = 2;
    private static final int DEVICE_INDENT = 4;
    private static final int MAX_KEY_COLUMN = 40;

    /**
     * <pre>
     * JVM     available, 1 device
     *   cores                 16
     *   device jvm            Java Vector API
     *     vector width        256 bits
     *
     * OpenCL  unavailable: libOpenCL.so.1 not found
     * </pre>
     * Values start in one column; backend names are padded to one width.
     */
    static String toText(List<BackendInfo> backends) {
        if (backends.isEmpty()) {
            return "no backends\n";
        }
        int nameWidth = 0;
        int keyColumn = 0;
        for (BackendInfo b : backends) {
            nameWidth = Math.max(nameWidth, b.displayName().length());
            for (String k : b.properties().keySet()) {
                keyColumn = Math.max(keyColumn, BACKEND_INDENT + MambaCli.oneLine(k).length());
            }
            for (DeviceInfo d : b.devices()) {
                keyColumn = Math.max(keyColumn, BACKEND_INDENT + deviceLabel(d).length());
                for (String k : d.properties().keySet()) {
                    keyColumn = Math.max(keyColumn, DEVICE_INDENT + MambaCli.oneLine(k).length());
                }
            }
        }
        keyColumn = Math.min(keyColumn, MAX_KEY_COLUMN) + 2;

        StringBuilder s = new StringBuilder();
        for (int i = 0; i < backends.size(); i++) {
            BackendInfo b = backends.get(i);
            if (i > 0) {
                s.append('\n');
            }
            s.append(pad(b.displayName(), nameWidth + 2));
            if (!b.available()) {
                s.append("unavailable: ").append(b.reason()).append('\n');
            } else {
                int n = b.devices().size();
                s.append("available, ").append(n == 0 ? "no devices" : n == 1 ? "1 device" : n + " devices").append('\n');
            }
            for (Map.Entry<String, String> e : b.properties().entrySet()) {
                line(s, BACKEND_INDENT, e.getKey(), e.getValue(), keyColumn);
            }
            for (DeviceInfo d : b.devices()) {
                line(s, BACKEND_INDENT, deviceLabel(d), d.error() == null ? d.name() : "error: " + d.error(), keyColumn);
                for (Map.Entry<String, String> e : d.properties().entrySet()) {
                    line(s, DEVICE_INDENT, e.getKey(), e.getValue(), keyColumn);
                }
            }
        }
        return s.toString();
    }

    private static String deviceLabel(DeviceInfo d) {
        return "device " + MambaCli.oneLine(d.id());
    }

    private static void line(StringBuilder s, int indent, String key, String value, int column) {
        String k = " ".repeat(indent) + MambaCli.oneLine(key);
        s.append(pad(k, column)).append(MambaCli.oneLine(value)).append('\n');
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + "  " : s + " ".repeat(width - s.length());
    }

    // ---------------------------------------------------------------- JSON

    /**
     * {@code {"backends":[{"kind":..,"available":..,"reason":..,"properties":{..},"devices":[{"id":..,
     * "name":..,"properties":{..}}]}]}}; {@code reason} is null when available; a device that threw
     * has an {@code error} member.
     */
    static String toJson(List<BackendInfo> backends) {
        List<Object> list = new ArrayList<>();
        for (BackendInfo b : backends) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("kind", b.kind());
            o.put("available", b.available());
            o.put("reason", b.reason());
            o.put("properties", b.properties());
            List<Object> devices = new ArrayList<>();
            for (DeviceInfo d : b.devices()) {
                Map<String, Object> dj = new LinkedHashMap<>();
                dj.put("id", d.id());
                dj.put("name", d.name());
                dj.put("properties", d.properties());
                if (d.error() != null) {
                    dj.put("error", d.error());
                }
                devices.add(dj);
            }
            o.put("devices", devices);
            list.add(o);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("backends", list);
        return Json.write(root);
    }
}
