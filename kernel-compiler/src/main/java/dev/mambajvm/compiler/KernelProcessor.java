package dev.mambajvm.compiler;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import com.sun.source.util.Trees;
import dev.mambajvm.lang.spec.Dialect;
import dev.mambajvm.lang.spec.KernelSpec;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The kernel compiler: finds {@code @Kernel} and {@code @DeviceFunction} methods and writes, for
 * each kernel, its descriptor and its CUDA C and OpenCL C source into the class output (see
 * {@link KernelSpec} for the layout).
 *
 * <p>Why a task listener: annotation processors run before javac attributes method bodies, so
 * expression types are not known yet. The processor only notes which classes hold kernels; the
 * translation happens when javac reports a class analyzed (attributed and flow-checked, not yet
 * lowered), when every expression has its type. Errors are reported on the offending tree, so they
 * read {@code File.java:line: error: ...} and fail the build like any compile error. The sources are
 * written once the last class with kernels has been analyzed, because a kernel may call device
 * functions of other classes.
 */
public final class KernelProcessor extends AbstractProcessor {

    private Trees trees;
    /** Classes (outermost) that declare kernels or device functions and are not yet analyzed. */
    private final Set<String> pending = new LinkedHashSet<>();
    /** Translations per dialect, by method. */
    private final Map<ExecutableElement, Map<Dialect, KernelTranslator.Translated>> translated = new LinkedHashMap<>();
    private final Map<ExecutableElement, String> locations = new LinkedHashMap<>();
    private final List<ExecutableElement> kernels = new ArrayList<>();
    private boolean failed;
    private boolean written;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of("dev.mambajvm.lang.Kernel", "dev.mambajvm.lang.DeviceFunction");
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public synchronized void init(ProcessingEnvironment env) {
        super.init(env);
        trees = Trees.instance(env);
        JavacTask.instance(env).addTaskListener(new TaskListener() {
            @Override
            public void finished(TaskEvent e) {
                if (e.getKind() == TaskEvent.Kind.ANALYZE && e.getTypeElement() != null) {
                    analyzed(e.getTypeElement(), e.getCompilationUnit());
                }
            }
        });
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (TypeElement annotation : annotations) {
            for (Element e : round.getElementsAnnotatedWith(annotation)) {
                pending.add(outermost(e).getQualifiedName().toString());
            }
        }
        return false;
    }

    private void analyzed(TypeElement type, CompilationUnitTree unit) {
        if (!pending.remove(type.getQualifiedName().toString())) {
            return;
        }
        List<KernelTranslator.Problem> problems = new ArrayList<>();
        translateMembers(type, unit, problems);
        for (KernelTranslator.Problem p : problems) {
            trees.printMessage(Diagnostic.Kind.ERROR, p.message(), p.tree(), unit);
            failed = true;
        }
        if (pending.isEmpty() && !failed && !written) {
            written = true;
            writeAll();
        }
    }

    private void translateMembers(TypeElement type, CompilationUnitTree unit, List<KernelTranslator.Problem> problems) {
        Set<String> kernelNames = new LinkedHashSet<>();
        for (Element member : type.getEnclosedElements()) {
            if (member instanceof TypeElement nested) {
                translateMembers(nested, unit, problems);
                continue;
            }
            if (!(member instanceof ExecutableElement method)) {
                continue;
            }
            boolean kernel = KernelTranslator.hasAnnotation(method, "dev.mambajvm.lang.Kernel");
            boolean device = KernelTranslator.hasAnnotation(method, KernelTranslator.DEVICE_FUNCTION);
            if (!kernel && !device) {
                continue;
            }
            MethodTree tree = trees.getTree(method);
            if (kernel && device) {
                problems.add(new KernelTranslator.Problem(tree, "a method is either a @Kernel or a @DeviceFunction"));
                continue;
            }
            if (kernel && !kernelNames.add(method.getSimpleName().toString())) {
                problems.add(new KernelTranslator.Problem(tree, "kernel names must be unique in a class: "
                        + method.getSimpleName() + " is overloaded"));
                continue;
            }
            Map<Dialect, KernelTranslator.Translated> byDialect = new EnumMap<>(Dialect.class);
            for (Dialect d : Dialect.values()) {
                // Both passes find the same problems: keep the first pass's only.
                List<KernelTranslator.Problem> sink = d == Dialect.CUDA ? problems : new ArrayList<>();
                byDialect.put(d, new KernelTranslator(trees, unit, CDialect.of(d), sink).translate(tree, method, kernel));
            }
            translated.put(method, byDialect);
            long start = trees.getSourcePositions().getStartPosition(unit, tree);
            String file = unit.getSourceFile().getName();
            file = file.substring(file.lastIndexOf('/') + 1);
            locations.put(method, file + ":" + unit.getLineMap().getLineNumber(start));
            if (kernel) {
                kernels.add(method);
            }
        }
    }

    private void writeAll() {
        Set<String> ids = new java.util.TreeSet<>();
        Map<String, String> files = new TreeMap<>();
        for (ExecutableElement kernel : kernels) {
            TypeElement owner = (TypeElement) kernel.getEnclosingElement();
            String ownerName = processingEnv.getElementUtils().getBinaryName(owner).toString();
            String name = kernel.getSimpleName().toString();
            Map<Dialect, String> sources = new EnumMap<>(Dialect.class);
            for (Dialect d : Dialect.values()) {
                sources.put(d, link(kernel, d, ownerName));
            }
            KernelTranslator.Translated t = translated.get(kernel).get(Dialect.CUDA);
            KernelSpec spec = new KernelSpec(ownerName, name, locations.get(kernel), t.params(), t.usesBarrier(), sources);
            String stem = KernelSpec.DIRECTORY + spec.id();
            files.put(stem + KernelSpec.DESCRIPTOR_EXTENSION, spec.toDescriptor());
            for (Dialect d : Dialect.values()) {
                files.put(stem + d.extension(), sources.get(d));
            }
            ids.add(spec.id());
        }
        if (kernels.isEmpty()) {
            return;
        }
        files.put(KernelSpec.LIST, String.join("\n", ids) + "\n");
        for (Map.Entry<String, String> f : files.entrySet()) {
            write(f.getKey(), f.getValue());
        }
    }

    /** One self-contained source: header, conversion helpers, device functions (callees first), kernel. */
    private String link(ExecutableElement kernel, Dialect d, String ownerName) {
        CDialect c = CDialect.of(d);
        List<ExecutableElement> order = new ArrayList<>();
        collectCallees(kernel, d, order, new LinkedHashSet<>());
        Set<String> helpers = new LinkedHashSet<>();
        Map<String, ExecutableElement> names = new LinkedHashMap<>();
        for (ExecutableElement f : order) {
            helpers.addAll(translated.get(f).get(d).helpers());
            ExecutableElement clash = names.put(f.getSimpleName().toString(), f);
            if (clash != null && clash != f) {
                trees.printMessage(Diagnostic.Kind.ERROR, "device functions " + clash.getEnclosingElement() + "."
                        + clash.getSimpleName() + " and " + f.getEnclosingElement() + "." + f.getSimpleName()
                        + " are both called by kernel " + kernel.getSimpleName() + ": device function names must be"
                        + " unique", trees.getTree(f), trees.getPath(f).getCompilationUnit());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("// Generated by mamba-jvm from ").append(ownerName).append('.').append(kernel.getSimpleName())
                .append(" (").append(locations.get(kernel)).append("). Edit the Java kernel, not this file.\n");
        out.append(c.header()).append("\n");
        out.append("// Comments // Ln give the Java source line of each statement.\n\n");
        String helperText = ConversionHelpers.text(c, helpers) + MatrixHelpers.text(c, helpers);
        if (!helperText.isEmpty()) {
            out.append(helperText).append('\n');
        }
        for (ExecutableElement f : order) {
            if (f != kernel) {
                out.append("// device function ").append(f.getEnclosingElement().getSimpleName()).append('.')
                        .append(f.getSimpleName()).append(" (").append(locations.get(f)).append(")\n");
                out.append(translated.get(f).get(d).text()).append('\n');
            }
        }
        out.append(KernelSpec.CONSTANTS_MARKER).append('\n');
        out.append(translated.get(kernel).get(d).text());
        return out.toString();
    }

    /** Depth-first, callees before callers, so C sees each function before its use. */
    private void collectCallees(ExecutableElement f, Dialect d, List<ExecutableElement> order,
                                Set<ExecutableElement> onStack) {
        if (order.contains(f)) {
            return;
        }
        if (!onStack.add(f)) {
            trees.printMessage(Diagnostic.Kind.ERROR, "device function " + f.getSimpleName()
                    + " is recursive: kernels cannot recurse", trees.getTree(f), trees.getPath(f).getCompilationUnit());
            return;
        }
        Map<Dialect, KernelTranslator.Translated> t = translated.get(f);
        if (t == null) {
            throw new IllegalStateException("device function " + f + " was not translated (is its class compiled in"
                    + " the same javac run?)");
        }
        for (ExecutableElement callee : t.get(d).calls()) {
            collectCallees(callee, d, order, onStack);
        }
        onStack.remove(f);
        order.add(f);
    }

    private void write(String resource, String content) {
        try {
            FileObject file = processingEnv.getFiler().createResource(StandardLocation.CLASS_OUTPUT, "", resource);
            try (Writer w = file.openWriter()) {
                w.write(content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + resource, e);
        }
    }

    private static TypeElement outermost(Element e) {
        Element cur = e;
        TypeElement top = null;
        while (cur != null) {
            if (cur instanceof TypeElement t) {
                top = t;
            }
            cur = cur.getEnclosingElement();
        }
        return top;
    }
}
