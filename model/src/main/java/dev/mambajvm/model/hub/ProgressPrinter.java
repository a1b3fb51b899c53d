package dev.mambajvm.model.hub;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Download progress as text. On a terminal, one line per file redrawn in place ({@code \r}) at most
 * ten times a second: {@code   model.safetensors  [#####.........]  38%  197.0 MiB / 517.7 MiB}.
 * Elsewhere (a log, a pipe) plain lines: the file and its size when it starts, and for files of 16 MiB
 * or more a line at every tenth.
 */
public final class ProgressPrinter implements DownloadProgress {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long STEPPED_BYTES = 16L << 20;
    private static final int NAME_WIDTH = 26;
    private static final int BAR_WIDTH = 20;

    private final PrintWriter out;
    private final boolean terminal;
    private final LongSupplier nanoTime;
    private String file;
    private long total;
    private long lastDraw;
    private int lastTenth;
    private boolean lineOpen;

    /** {@code terminal}: whether {@code out} is a terminal (redraws in place) or not (plain lines). */
    public ProgressPrinter(PrintWriter out, boolean terminal) {
        this(out, terminal, System::nanoTime);
    }

    ProgressPrinter(PrintWriter out, boolean terminal, LongSupplier nanoTime) {
        this.out = out;
        this.terminal = terminal;
        this.nanoTime = nanoTime;
    }

    @Override
    public void note(String line) {
        endLine();
        out.println(line);
        out.flush();
    }

    @Override
    public void start(String file, long from, long total) {
        endLine();
        this.file = file;
        this.total = total;
        this.lastTenth = tenth(from);
        if (terminal) {
            draw(from);
        } else {
            out.println("  " + file + " (" + (total >= 0 ? size(total) : "size unknown")
                    + (from > 0 ? ", resuming at " + size(from) : "") + ")");
            out.flush();
        }
    }

    @Override
    public void update(long bytes) {
        if (terminal) {
            if (nanoTime.getAsLong() - lastDraw >= REDRAW_NANOS) {
                draw(bytes);
            }
        } else if (total >= STEPPED_BYTES && tenth(bytes) > lastTenth) {
            lastTenth = tenth(bytes);
            out.println("  " + file + " " + lastTenth * 10 + "% (" + size(bytes) + ")");
            out.flush();
        }
    }

    @Override
    public void finish(long bytes) {
        if (terminal) {
            draw(bytes);
            endLine();
        }
    }

    @Override
    public void interrupted(long bytes, String reason) {
        if (terminal) {
            draw(bytes);
        }
        endLine();
        out.println("  " + file + " interrupted at " + size(bytes) + " (" + reason + ")");
        out.flush();
    }

    private int tenth(long bytes) {
        return total > 0 ? (int) Math.min(10, bytes * 10 / total) : 0;
    }

    private void draw(long bytes) {
        lastDraw = nanoTime.getAsLong();
        String name = file.length() > NAME_WIDTH ? "..." + file.substring(file.length() - NAME_WIDTH + 3) : file;
        StringBuilder b = new StringBuilder("\r  ").append(String.format(Locale.ROOT, "%-" + NAME_WIDTH + "s", name));
        if (total > 0) {
            int filled = (int) Math.min(BAR_WIDTH, bytes * BAR_WIDTH / total);
            b.append("  [").append("#".repeat(filled)).append(".".repeat(BAR_WIDTH - filled)).append("] ")
                    .append(String.format(Locale.ROOT, "%3d%%", Math.min(100, bytes * 100 / total)))
                    .append("  ").append(size(bytes)).append(" / ").append(size(total));
        } else {
            b.append("  ").append(size(bytes));
        }
        out.print(b.append("\u001b[K"));   // erase what a longer earlier line left
        out.flush();
        lineOpen = true;
    }

    private void endLine() {
        if (lineOpen) {
            out.println();
            out.flush();
            lineOpen = false;
        }
    }

    /** "816 bytes", "1.5 KiB", "517.7 MiB". */
    static String size(long b) {
        if (b < 1024) {
            return b + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u + 1 < units.length) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
