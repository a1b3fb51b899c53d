package dev.mambajvm.lang.spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the runtime needs to know about one {@code @Kernel} method: its parameters and the
 * CUDA C and OpenCL C the kernel compiler generated for it.
 *
 * <p>The kernel compiler writes, per kernel, into the class output:
 * <pre>
 *   META-INF/mamba-kernels/OWNER.NAME.kernel   descriptor (text, one field per line)
 *   META-INF/mamba-kernels/OWNER.NAME.cu       CUDA C
 *   META-INF/mamba-kernels/OWNER.NAME.cl       OpenCL C
 *   META-INF/mamba-kernels.list                one OWNER.NAME per line, for discovery
 * </pre>
 * The generated source holds a line {@value #CONSTANTS_MARKER}; {@link #source} replaces it with
 * one {@code #define} per {@code @Constant} parameter: that is all specialization does.
 *
 * @param owner         binary name of the class declaring the kernel
 * @param name          the method name (unique per class)
 * @param location      {@code File.java:line} of the method, for messages
 * @param params        all parameters in declaration order, the context first
 * @param usesBarriers  whether the body calls {@code localBarrier()} (the JVM backend then runs a
 *                      work-group's items as concurrent threads)
 * @param sources       generated source per dialect, with the constants marker
 */
public record KernelSpec(String owner, String name, String location, List<KernelParam> params,
                         boolean usesBarriers, Map<Dialect, String> sources) {

    public static final String DIRECTORY = "META-INF/mamba-kernels/";
    public static final String LIST = "META-INF/mamba-kernels.list";
    public static final String DESCRIPTOR_EXTENSION = ".kernel";
    public static final String CONSTANTS_MARKER = "// @specialization-constants";

    public KernelSpec {
        params = List.copyOf(params);
        EnumMap<Dialect, String> copy = new EnumMap<>(Dialect.class);
        copy.putAll(sources);
        sources = Collections.unmodifiableMap(copy);
    }

    /** {@code OWNER.NAME}, the kernel's identity and the stem of its resource files. */
    public String id() {
        return owner + "." + name;
    }

    /** The simple class name and method, e.g. {@code BasicKernels.vectorAdd}. */
    public String displayName() {
        return owner.substring(owner.lastIndexOf('.') + 1).replace('$', '.') + "." + name;
    }

    public List<KernelParam> launchParams() {
        return params.stream().filter(KernelParam::passedAtLaunch).toList();
    }

    public List<KernelParam> constants() {
        return params.stream().filter(p -> p.kind() == KernelParam.Kind.CONSTANT).toList();
    }

    /**
     * The source to hand to the device compiler: the generated code with the constants marker
     * replaced by {@code #define name value} lines.
     *
     * @throws IllegalArgumentException naming the constant when one is missing, unknown or of the
     *                                  wrong type
     */
    public String source(Dialect dialect, Map<String, ? extends Number> constantValues) {
        String template = sources.get(dialect);
        if (template == null) {
            throw new IllegalStateException("kernel " + displayName() + " has no " + dialect + " source");
        }
        return template.replace(CONSTANTS_MARKER, defines(constantValues));
    }

    /** The {@code #define} block for these constant values, checked against the declared constants. */
    public String defines(Map<String, ? extends Number> constantValues) {
        Set<String> declared = new LinkedHashSet<>();
        StringBuilder sb = new StringBuilder("// specialization constants");
        for (KernelParam c : constants()) {
            declared.add(c.name());
            Number v = constantValues.get(c.name());
            if (v == null) {
                throw new IllegalArgumentException("kernel " + displayName() + " needs a value for @Constant "
                        + c.scalarType() + " " + c.name());
            }
            sb.append("\n#define ").append(c.name()).append(' ').append(literal(c, v));
        }
        for (String k : constantValues.keySet()) {
            if (!declared.contains(k)) {
                throw new IllegalArgumentException("kernel " + displayName() + " has no @Constant parameter '" + k
                        + "' (its constants: " + (declared.isEmpty() ? "none" : String.join(", ", declared)) + ")");
            }
        }
        return sb.toString();
    }

    private String literal(KernelParam c, Number v) {
        switch (c.scalarType()) {
            case "int" -> {
                if (!(v instanceof Integer)) {
                    throw new IllegalArgumentException("@Constant int " + c.name() + " of kernel " + displayName()
                            + " needs an Integer, got " + v.getClass().getSimpleName() + " " + v);
                }
                return "(" + v + ")";
            }
            case "float" -> {
                if (!(v instanceof Float f) || !Float.isFinite(f)) {
                    throw new IllegalArgumentException("@Constant float " + c.name() + " of kernel " + displayName()
                            + " needs a finite Float, got " + v.getClass().getSimpleName() + " " + v);
                }
                // Hex float literals are exact in both C dialects.
                return "(" + Float.toHexString(f) + "f)";
            }
            default -> throw new IllegalStateException("constant of type " + c.scalarType());
        }
    }

    /** The descriptor text written by the kernel compiler. */
    public String toDescriptor() {
        StringBuilder sb = new StringBuilder();
        sb.append("owner=").append(owner).append('\n');
        sb.append("name=").append(name).append('\n');
        sb.append("location=").append(location).append('\n');
        sb.append("barriers=").append(usesBarriers).append('\n');
        for (KernelParam p : params) {
            sb.append("param=").append(p.toLine()).append('\n');
        }
        return sb.toString();
    }

    /** Parses a descriptor; the sources are given separately. */
    public static KernelSpec parse(String descriptor, Map<Dialect, String> sources) {
        Map<String, String> fields = new TreeMap<>();
        List<KernelParam> params = new ArrayList<>();
        for (String line : descriptor.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("bad kernel descriptor line: " + line);
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            if (key.equals("param")) {
                params.add(KernelParam.parse(value));
            } else {
                fields.put(key, value);
            }
        }
        return new KernelSpec(required(fields, "owner"), required(fields, "name"), required(fields, "location"),
                params, Boolean.parseBoolean(required(fields, "barriers")), sources);
    }

    private static String required(Map<String, String> fields, String key) {
        String v = fields.get(key);
        if (v == null) {
            throw new IllegalArgumentException("kernel descriptor lacks '" + key + "'");
        }
        return v;
    }

    /** Loads the kernel {@code name} declared in {@code owner}. */
    public static KernelSpec load(Class<?> owner, String name) {
        ClassLoader loader = owner.getClassLoader() != null ? owner.getClassLoader() : ClassLoader.getSystemClassLoader();
        return load(loader, owner.getName() + "." + name);
    }

    /**
     * Loads a kernel by id ({@code OWNER.NAME}).
     *
     * @throws IllegalArgumentException if no such kernel was compiled (is the class annotated, and
     *                                  was the kernel compiler on the annotation processor path?)
     */
    public static KernelSpec load(ClassLoader loader, String id) {
        String descriptor = read(loader, DIRECTORY + id + DESCRIPTOR_EXTENSION);
        if (descriptor == null) {
            throw new IllegalArgumentException("no compiled kernel '" + id + "': expected resource " + DIRECTORY + id
                    + DESCRIPTOR_EXTENSION + " (is the method annotated @Kernel and mamba-kernel-compiler on the"
                    + " annotation processor path?)");
        }
        Map<Dialect, String> sources = new EnumMap<>(Dialect.class);
        for (Dialect d : Dialect.values()) {
            String s = read(loader, DIRECTORY + id + d.extension());
            if (s != null) {
                sources.put(d, s);
            }
        }
        return parse(descriptor, sources);
    }

    /** Every kernel listed in a {@value #LIST} visible to {@code loader}, sorted by id. */
    public static List<KernelSpec> all(ClassLoader loader) {
        Set<String> ids = new java.util.TreeSet<>();
        try {
            Enumeration<URL> lists = loader.getResources(LIST);
            while (lists.hasMoreElements()) {
                try (InputStream in = lists.nextElement().openStream()) {
                    for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                        if (!line.isBlank()) {
                            ids.add(line.trim());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + LIST, e);
        }
        List<KernelSpec> specs = new ArrayList<>();
        for (String id : ids) {
            specs.add(load(loader, id));
        }
        return specs;
    }

    private static String read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
