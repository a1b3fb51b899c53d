/**
 * The basics: small kernels that exercise the whole kernel language (element-wise work, local
 * memory and barriers, tiling, 16-bit storage, device functions, specialization). Each has a
 * float64 reference in the tests and runs on every backend; they are also the first thing to read
 * when learning the kernel language.
 */
package dev.mambajvm.kernels.basics;
