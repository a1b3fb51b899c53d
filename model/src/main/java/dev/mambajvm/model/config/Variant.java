package dev.mambajvm.model.config;

/** The mixer architecture of a checkpoint; decides which tensors a layer has and how they are used. */
public enum Variant {
    /** Mamba (selective scan): transformers {@code model_type "mamba"}, state-spaces {@code layer "Mamba1"}. */
    MAMBA1,
    /** Mamba-2 (SSD, multi-head, gated RMSNorm): {@code "mamba2"}, state-spaces {@code layer "Mamba2"}. */
    MAMBA2,
    /**
     * Falcon-Mamba: the Mamba-1 tensors, plus weightless RMS norms on B, C and dt inside the mixer
     * (epsilon {@link MambaConfig#mixerRmsEps()}): {@code model_type "falcon_mamba"}.
     */
    FALCON_MAMBA
}
