package dev.mambajvm.compiler;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Runs javac with the kernel processor on source strings, as Maven does on the kernels module. */
final class InMemoryCompilation {

    record Result(boolean success, List<String> errors, Path output) {
        String resource(String name) {
            try {
                return Files.readString(output.resolve(name));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        boolean hasResource(String name) {
            return Files.exists(output.resolve(name));
        }
    }

    private InMemoryCompilation() {
    }

    /** {@code sources}: pairs of (binary class name, source text). */
    static Result compile(Path output, String... sources) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (int i = 0; i < sources.length; i += 2) {
            String className = sources[i];
            String text = sources[i + 1];
            units.add(new SimpleJavaFileObject(URI.create("string:///" + className.replace('.', '/') + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return text;
                }
            });
        }
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            files.setLocationFromPaths(StandardLocation.CLASS_OUTPUT, List.of(output));
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"), "-proc:full");
            JavaCompiler.CompilationTask task = javac.getTask(null, files, diagnostics, options, null, units);
            task.setProcessors(List.of(new KernelProcessor()));
            boolean ok = task.call();
            List<String> errors = new ArrayList<>();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    String file = d.getSource() == null ? "?" : Path.of(d.getSource().toUri().getPath()).getFileName().toString();
                    errors.add(file + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT));
                }
            }
            return new Result(ok, errors, output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
