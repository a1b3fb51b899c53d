/**
 * Loading native libraries with {@code java.lang.foreign} (no JNI): {@link
 * dev.mambajvm.backend.nativelib.NativeLibrary#find} tries candidate names or paths and, when none
 * loads, says so in a sentence instead of throwing, so a backend can report itself unavailable.
 */
package dev.mambajvm.backend.nativelib;
