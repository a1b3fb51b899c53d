package dev.mambajvm.kernels.verify;

/**
 * The outcome of one kernel check: the relative error ‖out − ref‖₂ / ‖ref‖₂ against a float64
 * reference, the bound it must stay under, and any element that was never written (still poison).
 */
public record Check(String kernel, String shape, double relativeError, double bound, int unwritten, String note) {

    public boolean passed() {
        return unwritten == 0 && relativeError <= bound && !Double.isNaN(relativeError);
    }

    static Check compare(String kernel, String shape, float[] out, double[] ref, double bound) {
        double diff = 0;
        double norm = 0;
        int unwritten = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(out[i])) {
                unwritten++;
                continue;
            }
            double d = out[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        double rel = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        return new Check(kernel, shape, rel, bound, unwritten, "");
    }

    /**
     * For an output stored in 16 bits ({@code type} 1 f16, 2 bf16), where rounding alone moves each
     * element by up to 2^-11 (f16) or 2^-8 (bf16) of itself: only the error beyond that rounding
     * counts. Element i contributes e_i = max(0, |out_i − ref_i| − |nearest_i − ref_i|), nearest_i
     * being the 16-bit value nearest to ref_i, so a correctly rounded reference scores 0. If out_i is
     * the rounding to nearest of a float32 result f_i, then |out_i − ref_i| ≤ |out_i − f_i| + |f_i − ref_i|
     * ≤ |nearest_i − f_i| + |f_i − ref_i| ≤ |nearest_i − ref_i| + 2·|f_i − ref_i|: e_i ≤ 2·|f_i − ref_i|,
     * so a kernel within {@code float32Bound} before storing is within 2 · float32Bound here. The
     * note gives the plain relative error too.
     */
    static Check compareRounded(String kernel, String shape, float[] out, double[] ref, int type, double float32Bound) {
        double excess = 0;
        double plain = 0;
        double norm = 0;
        int unwritten = 0;
        for (int i = 0; i < ref.length; i++) {
            if (Float.isNaN(out[i])) {
                unwritten++;
                continue;
            }
            double d = Math.abs(out[i] - ref[i]);
            double e = Math.max(0, d - HostData.distanceToNearest(type, ref[i]));
            excess += e * e;
            plain += d * d;
            norm += ref[i] * ref[i];
        }
        double rel = norm == 0 ? Math.sqrt(excess) : Math.sqrt(excess / norm);
        String name = type == 1 ? "f16" : "bf16";
        return new Check(kernel, shape, rel, 2 * float32Bound, unwritten, String.format(
                "stored as %s: error beyond rounding to %s (plain error %.2e)", name, name,
                norm == 0 ? Math.sqrt(plain) : Math.sqrt(plain / norm)));
    }

    @Override
    public String toString() {
        return String.format("%-6s %-36s %-28s rel.err %.2e (bound %.0e)%s%s", passed() ? "PASS" : "FAIL", kernel, shape,
                relativeError, bound, unwritten > 0 ? ", " + unwritten + " elements unwritten" : "",
                note.isEmpty() ? "" : ", " + note);
    }
}
