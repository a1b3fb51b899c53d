package dev.mambajvm.model.config;

/** Which project wrote config.json; the two disagree on field names and on vocabulary padding. */
public enum ConfigFormat {
    /** transformers ({@code model_type}, {@code hidden_size}, ...): the embedding has {@code vocab_size} rows. */
    HUGGING_FACE,
    /**
     * state-spaces/mamba ({@code d_model}, {@code n_layer}, {@code ssm_cfg}): the embedding has
     * {@code vocab_size} rounded up to {@code pad_vocab_size_multiple} rows.
     */
    STATE_SPACES
}
