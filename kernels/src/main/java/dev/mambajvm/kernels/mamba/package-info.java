/**
 * The "simple" Mamba kernels: everything of a Mamba/Mamba-2 forward pass except the selective scan
 * itself. Causal depthwise convolution (prefill and one-token decode), RMSNorm with fused residual,
 * gated RMSNorm, embedding gather, matrix-vector (decode) and matrix-matrix (prefill) products with
 * float32/float16/bfloat16 weights, and argmax/softmax over the vocabulary.
 *
 * <p>Layouts are row-major and batch-major; every kernel states its shapes. Arithmetic is float32;
 * 16-bit data is widened on load. Kernels that read weights of several storage types take one
 * buffer slot per type and a {@code @Constant} type code ({@link StorageType}): the unused branches
 * are removed by the device compiler, so each specialization is as lean as a hand-written one. Each
 * kernel has a float64 reference in {@code verify.MambaKernelsSuite}; docs/kernels.md gives the
 * bytes and flops of each and why its tiles have their size.
 */
package dev.mambajvm.kernels.mamba;
