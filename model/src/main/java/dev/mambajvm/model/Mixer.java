package dev.mambajvm.model;

import dev.mambajvm.backend.DeviceBuffer;

/**
 * One block's mixer as kernel launches (Mamba-1: {@link MambaLayer}, Mamba-2: {@link Mamba2Layer}):
 * reads {@code a.normed} (rows, hidden), writes {@code a.hidden} (rows, hidden), and carries its
 * conv and SSM states (layouts in {@link ModelState}).
 */
interface Mixer {
    /** The block's pre-norm weight (hidden). */
    DeviceBuffer norm();

    /**
     * Prefill of {@code batch} sequences of {@code seqLen} tokens from a zero state (rows = batch·seqLen);
     * leaves the final states in convState and ssmState.
     */
    void prefill(ModelKernels k, Activations a, DeviceBuffer convState, DeviceBuffer ssmState, int batch, int seqLen);

    /**
     * One token for each of {@code batch} sequences (rows = batch); updates both states in place.
     * Launches only, through {@code k}'s target (the decode step is recorded once and replayed):
     * no transfers, no waits, nothing read back on the host.
     */
    void step(ModelKernels k, Activations a, DeviceBuffer convState, DeviceBuffer ssmState, int batch);
}
