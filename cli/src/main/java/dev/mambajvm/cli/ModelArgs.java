package dev.mambajvm.cli;

import dev.mambajvm.backend.Device;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.tokenizer.Tokenizer;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the model commands (perplexity, generate) share: checking --model, token ids, the tokenizer, --verbose. */
final class ModelArgs {
    private ModelArgs() {
    }

    /** {@code dir} must be a folder holding config.json; returns its config (format errors fail with exit 1). */
    static MambaConfig config(CommandLine cl, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ParameterException(cl, "--model " + dir + ": no such folder");
        }
        if (!Files.isRegularFile(dir.resolve(MambaConfig.FILE_NAME))) {
            throw new ParameterException(cl, "--model " + dir + ": no " + MambaConfig.FILE_NAME
                    + " in this folder (expected a Hugging Face Mamba checkpoint: config.json, model.safetensors)");
        }
        return MambaConfig.read(dir);
    }

    /** Whether the checkpoint folder has a tokenizer.json. */
    static boolean hasTokenizer(Path dir) {
        return Files.isRegularFile(dir.resolve(Tokenizer.FILE_NAME));
    }

    /** The folder's tokenizer; a usage error naming the folder when there is none ({@code option} needs it). */
    static Tokenizer tokenizer(CommandLine cl, Path dir, String option) {
        if (!hasTokenizer(dir)) {
            throw new ParameterException(cl, option + " needs a tokenizer: no " + Tokenizer.FILE_NAME + " in " + dir
                    + " (give token ids instead, or put the checkpoint's tokenizer.json there)");
        }
        return Tokenizer.load(dir);
    }

    /** "1,2,3" (spaces allowed) as ids in 0..vocab−1. */
    static int[] parseIds(CommandLine cl, String option, String text, int vocab) {
        String[] parts = text.split(",", -1);
        if (text.isBlank()) {
            throw new ParameterException(cl, option + " is empty: give comma-separated token ids, e.g. 1,2,3");
        }
        int[] ids = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            try {
                ids[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new ParameterException(cl, option + ": '" + p + "' is not a token id (expected comma-separated"
                        + " integers, e.g. 1,2,3)");
            }
        }
        checkVocab(cl, option + ": ", ids, vocab, "");
        return ids;
    }

    /** Ids of a text encoded by DIR/tokenizer.json must be in the model's vocabulary too. */
    static void checkEncoded(CommandLine cl, String option, int[] ids, int vocab) {
        checkVocab(cl, option + ": token ", ids, vocab, " (tokenizer.json has more tokens than the model: is it this model's?)");
    }

    /** Every id in 0..vocab−1, else a usage error naming the first one outside: prefix + id + " is outside ..." + hint. */
    static void checkVocab(CommandLine cl, String prefix, int[] ids, int vocab, String hint) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new ParameterException(cl, prefix + id + " is outside the vocabulary (0.." + (vocab - 1) + ")" + hint);
            }
        }
    }

    /** --verbose, after loading: the device, the weights' and one sequence's state bytes. */
    static void reportMemory(PrintWriter err, Device device, MambaModel model) {
        MambaConfig c = model.config();
        err.println("device         " + device.id() + " (" + device.name() + ")");
        err.println("weights        " + bytes(model.weightBytes()) + " on the device");
        err.println("state          " + bytes(model.stateBytesPerSequence()) + " per sequence (conv + SSM state, "
                + c.numLayers() + " layers)");
        err.flush();
    }

    /** --verbose, at the end: the most device memory mamba-jvm's buffers held at once (Device.peakAllocatedBytes). */
    static void reportPeak(PrintWriter err, Device device) {
        err.println("peak memory    " + bytes(device.peakAllocatedBytes())
                + " on the device (weights, states and work buffers at their largest; driver overhead not counted)");
        err.flush();
    }

    /** "395176 bytes (385.9 KiB)". */
    static String bytes(long b) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (b < 1024) {
            return b + " bytes";
        }
        double v = b;
        int u = -1;
        while (v >= 1024 && u + 1 < units.length) {
            v /= 1024;
            u++;
        }
        return b + " bytes (" + String.format(Locale.ROOT, "%.1f %s", v, units[u]) + ")";
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1e3) : String.format(Locale.ROOT, "%.2f s", s);
    }
}
