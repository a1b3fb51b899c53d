package dev.mambajvm.model.config;

import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The end-of-sequence token ids of a checkpoint folder: {@code eos_token_id} of
 * {@code generation_config.json} when it has one (as transformers' generate does), else of
 * {@code config.json}; an id or a list of ids. Empty when neither file names one (generation then
 * runs to its token limit). Kept out of {@link MambaConfig}, which holds the architecture only.
 */
public final class EosTokens {
    public static final String GENERATION_CONFIG = "generation_config.json";

    private EosTokens() {
    }

    public static Set<Integer> read(Path directory) {
        for (String name : new String[]{GENERATION_CONFIG, MambaConfig.FILE_NAME}) {
            Path file = directory.resolve(name);
            if (!Files.isRegularFile(file)) {
                continue;
            }
            Map<String, Object> json;
            try {
                json = JsonFiles.readObject(file.toString(), Files.readAllBytes(file));
            } catch (IOException e) {
                throw new ModelFormatException(file + ": cannot be read (" + e + ")", e);
            }
            Object v = json.get("eos_token_id");
            if (v != null) {
                return ids(file, v);
            }
        }
        return Set.of();
    }

    private static Set<Integer> ids(Path file, Object v) {
        Set<Integer> out = new TreeSet<>();
        for (Object o : v instanceof List<?> l ? l : List.of(v)) {
            if (!(o instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 0) {
                throw new ModelFormatException(file + ": eos_token_id must be a token id or a list of them, got " + v);
            }
            out.add(n.intValue());
        }
        return Set.copyOf(out);
    }
}
