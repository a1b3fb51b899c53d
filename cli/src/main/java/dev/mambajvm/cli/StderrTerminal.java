package dev.mambajvm.cli;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Whether stderr is a terminal: {@code isatty(2)} through FFM ({@link System#console()} looks at stdin
 * and stdout only, and progress bars belong on stderr even when stdout is redirected).
 */
final class StderrTerminal {
    private StderrTerminal() {
    }

    static boolean isTerminal() {
        try {
            Linker linker = Linker.nativeLinker();
            var symbol = linker.defaultLookup().find("isatty");
            if (symbol.isEmpty()) {
                return false;
            }
            MethodHandle isatty = linker.downcallHandle(symbol.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) isatty.invokeExact(2) == 1;
        } catch (Throwable t) {
            return false;   // no native access or no libc: plain lines are always safe
        }
    }
}
