/**
 * The Mamba model: reading a checkpoint (config.json, safetensors), the tokenizer, the layers built
 * from the kernels, and generation.
 */
package dev.mambajvm.model;
