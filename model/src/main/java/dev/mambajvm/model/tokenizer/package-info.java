/**
 * The tokenizer: byte-level BPE from a Hugging Face {@code tokenizer.json}, giving the ids tokenizers
 * gives. {@link dev.mambajvm.model.tokenizer.Tokenizer} is the entry point; {@code TokenizerJson}
 * reads the file, {@code AddedTokens}, {@code ByteLevel} and {@code Bpe} are the encoding stages in
 * order, {@link dev.mambajvm.model.tokenizer.StreamingDecoder} decodes during generation.
 */
package dev.mambajvm.model.tokenizer;
