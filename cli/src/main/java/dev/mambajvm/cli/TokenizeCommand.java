package dev.mambajvm.cli;

import dev.mambajvm.model.hub.ModelResolver;
import dev.mambajvm.model.tokenizer.Tokenizer;
import dev.mambajvm.model.tokenizer.TokenizerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code mamba-cli tokenize}: the ids a checkpoint's tokenizer gives a text, with each token's text.
 *
 * <p>Readable output is one line per token: the id, then the token's bytes as a quoted string, so
 * spaces at either end are visible ({@code " world"}); inside the quotes {@code "} and {@code \} are
 * escaped, newline/tab/return are {@code \n \t \r}, other control and invisible format characters are
 * {@code \}{@code u}XXXX, and bytes that are only part of a UTF-8 character (an emoji split over
 * tokens) are {@code \}{@code xNN}.
 */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Encodes a text with a checkpoint's tokenizer.json (Hugging Face byte-level BPE, as",
                "GPT-NeoX/Mamba use) and prints one line per token: the id and the token's text, quoted,",
                "with \\n \\t \\r, \\uXXXX for other invisible characters and \\xNN for a byte that is",
                "only part of a UTF-8 character. --model is a folder holding tokenizer.json (or the",
                "file itself), or a Hugging Face repo id: then only its tokenizer.json is fetched",
                "(from the Hugging Face cache when there, else downloaded into it).",
                "Without --model: the embedded default model's tokenizer.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli tokenize --text 'In the beginning'   (the default model's tokenizer)",
                "  mamba-cli tokenize --model ./mamba-130m --text 'Hello, world!'",
                "    12092  \"Hello\"",
                "       13  \",\"",
                "     1533  \" world\"",
                "        2  \"!\"",
                "  mamba-cli tokenize --model ./mamba-130m --text 'Hello' --json",
                "    {\"ids\":[...],\"pieces\":[...]}   (pieces as in the vocabulary, e.g. \"Ġworld\")",
                "  mamba-cli tokenize --model state-spaces/mamba-130m-hf --text 'Hello'",
                "    (a Hugging Face repo: only its tokenizer.json is downloaded)",
        })
public final class TokenizeCommand implements Callable<Integer> {

    @Mixin
    ModelOption modelOption;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to encode.")
    String text;

    @Option(names = "--json", description = "Print one JSON object {\"ids\":[...],\"pieces\":[...]} instead.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (text.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--text is empty: give the text to encode");
        }
        Path model = modelOption.resolve(spec.commandLine(), ModelResolver.Need.TOKENIZER);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Tokenizer tok;
        try {
            tok = Tokenizer.load(model);
        } catch (TokenizerException e) {
            err.println(spec.qualifiedName() + ": " + MambaCli.oneLine(e.getMessage()));
            err.flush();
            return 1;
        }
        int[] ids = tok.encode(text);
        if (json) {
            List<Object> pieces = new ArrayList<>();
            for (int id : ids) {
                pieces.add(tok.token(id));
            }
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("ids", Arrays.stream(ids).boxed().toList());
            o.put("pieces", pieces);
            out.println(Json.write(o));
        } else {
            int width = 1;
            for (int id : ids) {
                width = Math.max(width, Integer.toString(id).length());
            }
            for (int id : ids) {
                out.println(" ".repeat(width - Integer.toString(id).length()) + id + "  " + readable(tok.tokenBytes(id)));
            }
        }
        out.flush();
        return 0;
    }

    /** {@code bytes} as a quoted, escaped string (see the class comment). */
    static String readable(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        int i = 0;
        while (i < bytes.length) {
            int lead = bytes[i] & 0xFF;
            int len = lead < 0x80 ? 1 : lead >= 0xC2 && lead <= 0xDF ? 2 : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4 : 0;
            if (len > 0 && i + len <= bytes.length) {
                String ch = new String(bytes, i, len, StandardCharsets.UTF_8);
                // Valid exactly when it encodes back to the same bytes (no replacement happened).
                if (Arrays.equals(ch.getBytes(StandardCharsets.UTF_8), 0, len, bytes, i, i + len)) {
                    escape(b, ch.codePointAt(0));
                    i += len;
                    continue;
                }
            }
            b.append(String.format("\\x%02x", lead));
            i++;
        }
        return b.append('"').toString();
    }

    private static void escape(StringBuilder b, int cp) {
        switch (cp) {
            case '"' -> b.append("\\\"");
            case '\\' -> b.append("\\\\");
            case '\n' -> b.append("\\n");
            case '\t' -> b.append("\\t");
            case '\r' -> b.append("\\r");
            default -> {
                int type = Character.getType(cp);
                if (Character.isISOControl(cp) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                        || type == Character.PARAGRAPH_SEPARATOR) {
                    b.append(String.format("\\u%04x", cp));
                } else {
                    b.appendCodePoint(cp);
                }
            }
        }
    }
}
