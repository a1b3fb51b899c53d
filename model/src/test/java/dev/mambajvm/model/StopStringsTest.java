package dev.mambajvm.model;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopStringsTest {

    @Test
    void holdsBackAPossibleStartThenCutsBeforeTheStop() {
        StopStrings s = new StopStrings(List.of("User:", "\n\n"));
        assertEquals("Hello", s.accept("Hello"));
        assertEquals(" there", s.accept(" there\n"));   // "\n" may start "\n\n": held
        assertEquals("\nx", s.accept("x"));              // "\nx" starts no stop string: released
        assertEquals("\n", s.accept("\nU"));             // "U" may start "User:"
        assertFalse(s.stopped());
        // Both stop strings appear; the leftmost one cuts, whichever is listed first.
        assertEquals("Uok", s.accept("ok\n\nUser: more"));   // the held "U" was no stop
        assertTrue(s.stopped());
        assertEquals("", s.accept("anything"));
        assertEquals("", s.flush());
    }

    @Test
    void flushReleasesAHeldTail() {
        StopStrings s = new StopStrings(List.of("User:"));
        assertEquals("a ", s.accept("a Use"));
        assertEquals("Use", s.flush());
        assertFalse(s.stopped());
    }

    @Test
    void withoutStopStringsEverythingPasses() {
        StopStrings s = new StopStrings(List.of());
        assertEquals("a\n", s.accept("a\n"));
        assertEquals("", s.flush());
        assertThrows(IllegalArgumentException.class, () -> new StopStrings(List.of("")));
    }

    /**
     * Random texts over a small alphabet, cut into random pieces (tokens), against the definition:
     * after each piece, if the text so far contains a stop string, it ends before the leftmost one.
     */
    @Test
    void piecesAddUpToTheTextCutBeforeTheFirstStop() {
        SplittableRandom r = new SplittableRandom(3);
        String alphabet = "ab\n";
        int stoppedCases = 0;
        for (int c = 0; c < 5000; c++) {
            List<String> stops = new ArrayList<>();
            for (int k = 1 + r.nextInt(3); k > 0; k--) {
                stops.add(random(r, alphabet, 1 + r.nextInt(4)));
            }
            String text = random(r, alphabet, r.nextInt(30));
            List<String> pieces = new ArrayList<>();
            for (int at = 0; at < text.length(); ) {
                int end = Math.min(text.length(), at + r.nextInt(4));
                pieces.add(text.substring(at, end));
                at = end;
            }
            String want = text;
            boolean wantStop = false;
            StringBuilder sofar = new StringBuilder();
            for (String piece : pieces) {
                sofar.append(piece);
                int cut = -1;
                for (String stop : stops) {
                    int i = sofar.indexOf(stop);
                    cut = i >= 0 && (cut < 0 || i < cut) ? i : cut;
                }
                if (cut >= 0) {
                    want = sofar.substring(0, cut);
                    wantStop = true;
                    break;
                }
            }
            int longest = stops.stream().mapToInt(String::length).max().orElseThrow();
            String what = "stops " + stops.stream().map(x -> x.replace("\n", "\\n")).toList() + " pieces "
                    + pieces.stream().map(x -> x.replace("\n", "\\n")).toList();
            StopStrings s = new StopStrings(stops);
            StringBuilder got = new StringBuilder();
            int at = 0;
            for (String piece : pieces) {
                got.append(s.accept(piece));
                at += piece.length();
                assertTrue(want.startsWith(got.toString()), what + ": shown " + got);
                if (!s.stopped()) {
                    // Only a tail shorter than the longest stop string is ever held back.
                    assertTrue(got.length() >= at - (longest - 1), what + ": held back too much at " + at);
                }
            }
            got.append(s.flush());
            assertEquals(want, got.toString(), what);
            assertEquals(wantStop, s.stopped(), what);
            stoppedCases += s.stopped() ? 1 : 0;
        }
        assertTrue(stoppedCases > 1000 && stoppedCases < 4000, "cases that stopped: " + stoppedCases);
    }

    private static String random(SplittableRandom r, String alphabet, int length) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
