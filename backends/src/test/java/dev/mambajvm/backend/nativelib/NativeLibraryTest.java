package dev.mambajvm.backend.nativelib;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeLibraryTest {

    @Test
    void missingLibraryGivesAReasonNotAnException() {
        NativeLibrary.Search s = NativeLibrary.find("libmamba-does-not-exist.so.7", "/nonexistent/dir/libalso-missing.so");
        assertTrue(s.library().isEmpty());
        assertTrue(s.reason().startsWith("libmamba-does-not-exist.so.7 not found"), s.reason());
        assertTrue(s.reason().contains("/nonexistent/dir/libalso-missing.so"), "lists what was tried: " + s.reason());

        String hinted = s.withHint("install the frobnicator package").reason();
        assertTrue(hinted.endsWith("; install the frobnicator package"), hinted);
    }

    @Test
    void foundLibraryGivesDowncalls() throws Throwable {
        // libc is there on every Linux CI machine; skip elsewhere.
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        NativeLibrary.Search s = NativeLibrary.find("libmamba-does-not-exist.so.7", "libc.so.6");
        NativeLibrary libc = s.library().orElseThrow();
        assertEquals("", s.reason());
        assertEquals("libc.so.6", libc.name());
        assertTrue(libc.resolvedPath().contains("libc"), libc.resolvedPath());
        assertTrue(libc.has("abs"));
        assertFalse(libc.has("mamba_no_such_symbol"));
        MethodHandle abs = libc.downcall("abs", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        assertEquals(42, (int) abs.invokeExact(-42));
        assertTrue(libc.optionalDowncall("mamba_no_such_symbol", FunctionDescriptor.ofVoid()).isEmpty());
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> libc.downcall("mamba_no_such_symbol", FunctionDescriptor.ofVoid()));
        assertTrue(e.getMessage().contains("mamba_no_such_symbol"));
    }
}
