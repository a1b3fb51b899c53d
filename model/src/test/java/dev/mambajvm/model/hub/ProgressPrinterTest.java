package dev.mambajvm.model.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {
    @Test
    void plainLinesStepByTenthsForLargeFiles() {
        StringWriter w = new StringWriter();
        ProgressPrinter p = new ProgressPrinter(new PrintWriter(w), false);
        long total = 100L << 20;
        p.note("downloading org/m");
        p.start("model.safetensors", 0, total);
        for (long b = 0; b <= total; b += 1 << 20) {
            p.update(b);
        }
        p.finish(total);
        p.start("config.json", 0, 816);
        p.update(816);
        p.finish(816);
        String[] lines = w.toString().split("\n");
        assertEquals("downloading org/m", lines[0]);
        assertEquals("  model.safetensors (100.0 MiB)", lines[1]);
        assertEquals("  model.safetensors 10% (10.0 MiB)", lines[2]);
        assertEquals("  model.safetensors 100% (100.0 MiB)", lines[11]);
        assertEquals("  config.json (816 bytes)", lines[12]);
        assertEquals(13, lines.length);
    }

    @Test
    void aTerminalGetsOneLineRedrawnInPlace() {
        StringWriter w = new StringWriter();
        long[] now = {0};
        ProgressPrinter p = new ProgressPrinter(new PrintWriter(w), true, () -> now[0]);
        p.start("model.safetensors", 0, 1000);
        now[0] += 50_000_000;   // too soon to redraw
        p.update(300);
        now[0] += 100_000_000;
        p.update(500);
        p.finish(1000);
        String bar0 = "\r  model.safetensors           [....................]   0%  0 bytes / 1000 bytes\u001b[K";
        String bar50 = "\r  model.safetensors           [##########..........]  50%  500 bytes / 1000 bytes\u001b[K";
        String bar100 = "\r  model.safetensors           [####################] 100%  1000 bytes / 1000 bytes\u001b[K";
        assertEquals(bar0 + bar50 + bar100 + "\n", w.toString());
    }
}
