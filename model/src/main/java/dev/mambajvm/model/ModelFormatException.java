package dev.mambajvm.model;

/**
 * A checkpoint file (config.json, a safetensors file, a shard index) that cannot be read as a Mamba
 * model. The message always starts with the file and names the field or tensor at fault and what was
 * expected, e.g. {@code config.json: "state_size" missing (expected an integer)}: the user can fix the
 * file from the message alone.
 */
public class ModelFormatException extends RuntimeException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
