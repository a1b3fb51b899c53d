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

    @Override
    public String toString() {
        return String.format("%-6s %-36s %-28s rel.err %.2e (bound %.0e)%s%s", passed() ? "PASS" : "FAIL", kernel, shape,
                relativeError, bound, unwritten > 0 ? ", " + unwritten + " elements unwritten" : "",
                note.isEmpty() ? "" : ", " + note);
    }
}
