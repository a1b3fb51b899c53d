package dev.mambajvm.model;

import java.util.List;

/**
 * Cuts a streamed text at the first occurrence of any stop string. Text arrives in pieces (decoded
 * tokens); {@link #accept} returns what may be shown now: everything but a tail that could still be
 * the start of a stop string, which is held back until the next pieces decide. Once a stop string
 * appears, the text before it is released and the stop string and all after it are dropped.
 * The concatenation of the results of {@link #accept} and {@link #flush} is the whole text cut before
 * the first (leftmost) stop string, or the whole text when none occurs. Not thread-safe: one per sequence.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    /**
     * @param stops the stop strings (none: every piece passes through)
     * @throws IllegalArgumentException an empty stop string
     */
    public StopStrings(List<String> stops) {
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("a stop string is empty");
            }
        }
        this.stops = List.copyOf(stops);
    }

    /** Adds a piece of text; returns the text that can be shown now (empty once stopped). */
    public String accept(String piece) {
        if (stopped) {
            return "";
        }
        pending.append(piece);
        int at = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        if (at >= 0) {
            stopped = true;
            String out = pending.substring(0, at);
            pending.setLength(0);
            return out;
        }
        int hold = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > hold; len--) {
                if (endsWith(pending, s, len)) {
                    hold = len;
                    break;
                }
            }
        }
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return out;
    }

    /** Whether a stop string has appeared. */
    public boolean stopped() {
        return stopped;
    }

    /** Ends the text: the held-back tail, which no stop string completed ("" once stopped). */
    public String flush() {
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Whether {@code b} ends with the first {@code len} characters of {@code s}. */
    private static boolean endsWith(StringBuilder b, String s, int len) {
        int off = b.length() - len;
        for (int i = 0; i < len; i++) {
            if (b.charAt(off + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
