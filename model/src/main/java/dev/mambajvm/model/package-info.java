/**
 * The Mamba model: reading a checkpoint (config.json, safetensors), the tokenizer
 * ({@link dev.mambajvm.model.tokenizer.Tokenizer}), the layers built
 * from the kernels, and generation.
 */
package dev.mambajvm.model;
