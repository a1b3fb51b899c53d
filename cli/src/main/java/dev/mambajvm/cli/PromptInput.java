package dev.mambajvm.cli;

import dev.mambajvm.model.tokenizer.Tokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * generate's prompts: {@code --prompt} (repeatable), {@code --prompt-ids} (repeatable) or
 * {@code --prompt-file} (one prompt per line), read and encoded to token ids, each checked with a
 * usage error that names the prompt (its option and number, or the file and line).
 */
final class PromptInput {

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "A prompt as text (needs DIR/tokenizer.json); '-' reads it from stdin, as is (a trailing"
                    + " newline stays). Repeat for a batch.")
    List<String> texts;

    @Option(names = "--prompt-ids", paramLabel = "IDS",
            description = "A prompt as comma-separated token ids. Repeat for a batch.")
    List<String> ids;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "Prompts as UTF-8 text, one per line (a batch; an empty line is an error).")
    Path file;

    /** One prompt: where it came from (for messages) and its tokens. */
    record Prompt(String label, int[] ids) {
    }

    /**
     * The prompts, encoded and checked: not empty, ids in the vocabulary, at most {@code maxTokens}
     * tokens each. The tokenizer is needed for text ({@code --prompt}, {@code --prompt-file}).
     */
    List<Prompt> read(CommandLine cl, Path model, int vocab, int maxTokens, InputStream stdin) throws IOException {
        List<Prompt> out = new ArrayList<>();
        if (ids != null) {
            for (int i = 0; i < ids.size(); i++) {
                String label = "--prompt-ids" + number(i, ids.size());
                out.add(new Prompt(label, ModelArgs.parseIds(cl, label, ids.get(i), vocab)));
            }
        } else {
            List<String[]> texts = new ArrayList<>();   // {label, text}
            String option;
            if (this.texts != null) {
                option = "--prompt";
                boolean stdinRead = false;
                for (int i = 0; i < this.texts.size(); i++) {
                    String label = "--prompt" + number(i, this.texts.size());
                    String t = this.texts.get(i);
                    if (t.equals("-")) {
                        if (stdinRead) {
                            throw new ParameterException(cl, "--prompt - (stdin) can be given once");
                        }
                        stdinRead = true;
                        t = new String(stdin.readAllBytes(), StandardCharsets.UTF_8);
                        if (t.isEmpty()) {
                            throw new ParameterException(cl, label + " is empty (nothing on stdin): give the text to continue");
                        }
                    }
                    if (t.isEmpty()) {
                        throw new ParameterException(cl, label + " is empty: give the text to continue");
                    }
                    texts.add(new String[]{label, t});
                }
            } else {
                option = "--prompt-file";
                List<String> lines = lines(cl, file);
                for (int i = 0; i < lines.size(); i++) {
                    String label = "--prompt-file " + file + " line " + (i + 1);
                    if (lines.get(i).isBlank()) {
                        throw new ParameterException(cl, label + " is empty: one prompt per line, no empty lines");
                    }
                    texts.add(new String[]{label, lines.get(i)});
                }
            }
            Tokenizer tokenizer = ModelArgs.tokenizer(cl, model, option);
            for (String[] t : texts) {
                int[] encoded = tokenizer.encode(t[1]);
                if (encoded.length == 0) {
                    throw new ParameterException(cl, t[0] + " encodes to no tokens: give the text to continue");
                }
                ModelArgs.checkEncoded(cl, t[0], encoded, vocab);
                out.add(new Prompt(t[0], encoded));
            }
        }
        for (Prompt p : out) {
            if (p.ids().length > maxTokens) {
                throw new ParameterException(cl, p.label() + " has " + p.ids().length
                        + " tokens, more than --max-prompt-tokens " + maxTokens);
            }
        }
        return out;
    }

    /** "" for a single prompt, else " 2" (1-based): how messages tell repeated options apart. */
    private static String number(int i, int count) {
        return count == 1 ? "" : " " + (i + 1);
    }

    private static List<String> lines(CommandLine cl, Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new ParameterException(cl, "--prompt-file " + file + ": no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new ParameterException(cl, "--prompt-file " + file + ": not a file");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ParameterException(cl, "--prompt-file " + file + ": not UTF-8 text");
        }
        if (lines.isEmpty()) {
            throw new ParameterException(cl, "--prompt-file " + file + " is empty: give one prompt per line");
        }
        return lines;
    }
}
