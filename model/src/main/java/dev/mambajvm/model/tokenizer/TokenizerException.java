package dev.mambajvm.model.tokenizer;

/**
 * A tokenizer file that cannot be used: missing, unreadable, malformed, or built from components this
 * tokenizer does not implement. The message is one line and names the file, so a command can print it
 * as it is.
 */
public final class TokenizerException extends RuntimeException {

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
