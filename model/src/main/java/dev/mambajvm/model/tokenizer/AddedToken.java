package dev.mambajvm.model.tokenizer;

/**
 * One entry of {@code added_tokens}: a string matched in the text as a whole, before the BPE model
 * sees it.
 *
 * @param special    a control token such as {@code <|endoftext|>}; decoding may skip it
 * @param normalized matched in the normalized text (after NFC) rather than in the raw text
 * @param lstrip     also swallows the whitespace just before it
 * @param rstrip     also swallows the whitespace just after it
 * @param singleWord only matches when not inside a word
 */
public record AddedToken(int id, String content, boolean special, boolean normalized,
                         boolean lstrip, boolean rstrip, boolean singleWord) {
}
