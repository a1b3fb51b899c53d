package dev.mambajvm.model.tokenizer;

import com.fasterxml.jackson.jr.ob.JSON;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} into a {@link Tokenizer}, checking every component
 * against what is implemented. A component this tokenizer does not implement is an error naming it,
 * never a silent approximation: a tokenizer that gives slightly different ids makes a model produce
 * plausible nonsense, which is much harder to trace than a refusal.
 *
 * <p>Supported: normalizer NFC/NFD/NFKC/NFKD or none; pre-tokenizer ByteLevel; model BPE (no dropout,
 * no subword prefix/suffix, no byte fallback); post-processor ByteLevel, TemplateProcessing or none;
 * decoder ByteLevel; no truncation or padding.
 */
final class TokenizerJson {

    private TokenizerJson() {
    }

    static Tokenizer load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve(Tokenizer.FILE_NAME) : path;
        if (Files.isDirectory(path) && !Files.exists(file)) {
            throw new TokenizerException(path + ": no " + Tokenizer.FILE_NAME
                    + " (expected a Hugging Face tokenizer file)");
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TokenizerException(file + ": no such file");
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read: " + e.getMessage(), e);
        }
        Object root;
        try {
            root = JSON.std.anyFrom(content);
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(file + ": malformed JSON: " + firstLine(e.getMessage()), e);
        }
        try {
            return new TokenizerJson.Reader(file).read(root);
        } catch (ClassCastException | NullPointerException | IllegalArgumentException e) {
            throw new TokenizerException(file + ": " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no detail)";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    /** One file's reading; {@code fail} prefixes its messages with the file name. */
    private record Reader(Path file) {

        Tokenizer read(Object rootValue) {
            Map<String, Object> root = object(rootValue, "the top level");
            for (String key : List.of("truncation", "padding")) {
                if (root.get(key) != null) {
                    throw fail(key + " is set; it is not supported (encode the whole text, pad yourself)");
                }
            }
            Normalizer.Form normalization = normalizer(root.get("normalizer"));
            ByteLevel preTokenizer = preTokenizer(root.get("pre_tokenizer"));
            decoder(root.get("decoder"));
            Map<String, Object> model = object(root.get("model"), "model");
            String modelType = model.get("type") == null ? "BPE" : string(model.get("type"), "model.type");
            if (!modelType.equals("BPE")) {
                throw unsupported("model", modelType, "BPE");
            }
            Map<String, Integer> vocab = vocab(model.get("vocab"));
            List<AddedToken> added = addedTokens(root.get("added_tokens"));
            Map<String, Integer> allIds = new HashMap<>(vocab);
            added.forEach(t -> allIds.put(t.content(), t.id()));
            Bpe bpe = bpe(model, vocab);
            int[][] template = postProcessor(root.get("post_processor"), allIds);
            return new Tokenizer(file, normalization, added, preTokenizer, bpe, vocab, template[0], template[1]);
        }

        private Normalizer.Form normalizer(Object value) {
            if (value == null) {
                return null;
            }
            String type = type(value, "normalizer");
            return switch (type) {
                case "NFC" -> Normalizer.Form.NFC;
                case "NFD" -> Normalizer.Form.NFD;
                case "NFKC" -> Normalizer.Form.NFKC;
                case "NFKD" -> Normalizer.Form.NFKD;
                default -> throw unsupported("normalizer", type, "NFC, NFD, NFKC, NFKD");
            };
        }

        private ByteLevel preTokenizer(Object value) {
            if (value == null) {
                throw fail("pre_tokenizer is missing (supported: ByteLevel)");
            }
            String type = type(value, "pre_tokenizer");
            if (!type.equals("ByteLevel")) {
                throw unsupported("pre_tokenizer", type, "ByteLevel");
            }
            Map<String, Object> o = object(value, "pre_tokenizer");
            return new ByteLevel(bool(o, "add_prefix_space", false), bool(o, "use_regex", true));
        }

        private void decoder(Object value) {
            if (value == null) {
                throw fail("decoder is missing (supported: ByteLevel)");
            }
            String type = type(value, "decoder");
            if (!type.equals("ByteLevel")) {
                throw unsupported("decoder", type, "ByteLevel");
            }
        }

        /** The ids the post-processor puts before and after a single sequence. */
        private int[][] postProcessor(Object value, Map<String, Integer> ids) {
            if (value == null) {
                return new int[][] {{}, {}};
            }
            String type = type(value, "post_processor");
            switch (type) {
                case "ByteLevel":
                    return new int[][] {{}, {}}; // it only trims offsets, which we do not report
                case "TemplateProcessing":
                    break;
                default:
                    throw unsupported("post_processor", type, "ByteLevel, TemplateProcessing");
            }
            Map<String, Object> o = object(value, "post_processor");
            Map<String, Object> specials = o.get("special_tokens") == null ? Map.of()
                    : object(o.get("special_tokens"), "post_processor.special_tokens");
            List<Integer> before = new ArrayList<>();
            List<Integer> after = new ArrayList<>();
            boolean seenSequence = false;
            for (Object item : list(o.get("single"), "post_processor.single")) {
                Map<String, Object> piece = object(item, "post_processor.single[]");
                if (piece.containsKey("Sequence")) {
                    seenSequence = true;
                    continue;
                }
                Map<String, Object> st = object(piece.get("SpecialToken"), "post_processor.single[].SpecialToken");
                String name = string(st.get("id"), "post_processor SpecialToken id");
                List<Integer> target = seenSequence ? after : before;
                Object spec = specials.get(name);
                if (spec != null) {
                    for (Object id : list(object(spec, "post_processor.special_tokens." + name).get("ids"),
                            "post_processor.special_tokens." + name + ".ids")) {
                        target.add(integer(id, "post_processor special token id"));
                    }
                } else if (ids.containsKey(name)) {
                    target.add(ids.get(name));
                } else {
                    throw fail("post_processor names special token \"" + name + "\", which has no id");
                }
            }
            return new int[][] {toArray(before), toArray(after)};
        }

        private Bpe bpe(Map<String, Object> model, Map<String, Integer> vocab) {
            if (model.get("dropout") != null) {
                throw fail("model.dropout is set; BPE dropout is not supported");
            }
            for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
                Object v = model.get(key);
                if (v != null && !v.equals("")) {
                    throw fail("model." + key + " is set; it is not supported");
                }
            }
            if (bool(model, "byte_fallback", false)) {
                throw fail("model.byte_fallback is true; it is not supported (byte-level BPE needs none)");
            }
            Integer unk = null;
            if (model.get("unk_token") != null) {
                String name = string(model.get("unk_token"), "model.unk_token");
                unk = vocab.get(name);
                if (unk == null) {
                    throw fail("model.unk_token \"" + name + "\" is not in the vocabulary");
                }
            }
            List<String[]> merges = new ArrayList<>();
            for (Object m : list(model.get("merges"), "model.merges")) {
                // Two spellings: ["a", "b"] (tokenizers >= 0.20) and "a b" (older files).
                if (m instanceof String s) {
                    int space = s.indexOf(' ', 1);
                    if (space < 0) {
                        throw fail("model.merges entry \"" + s + "\" is not two tokens separated by a space");
                    }
                    merges.add(new String[] {s.substring(0, space), s.substring(space + 1)});
                } else {
                    List<Object> pair = list(m, "model.merges[]");
                    if (pair.size() != 2) {
                        throw fail("model.merges entry " + pair + " is not a pair");
                    }
                    merges.add(new String[] {string(pair.get(0), "merge"), string(pair.get(1), "merge")});
                }
            }
            return new Bpe(vocab, merges, unk, bool(model, "ignore_merges", false));
        }

        private Map<String, Integer> vocab(Object value) {
            Map<String, Integer> vocab = new HashMap<>();
            object(value, "model.vocab").forEach((k, v) -> {
                int id = integer(v, "model.vocab[\"" + k + "\"]");
                if (id < 0) {
                    throw fail("model.vocab[\"" + k + "\"] has negative id " + id);
                }
                vocab.put(k, id);
            });
            return vocab;
        }

        private List<AddedToken> addedTokens(Object value) {
            List<AddedToken> out = new ArrayList<>();
            if (value == null) {
                return out;
            }
            for (Object item : list(value, "added_tokens")) {
                Map<String, Object> o = object(item, "added_tokens[]");
                int id = integer(o.get("id"), "added_tokens[].id");
                if (id < 0) {
                    throw fail("added_tokens[] has negative id " + id);
                }
                out.add(new AddedToken(id, string(o.get("content"), "added_tokens[].content"),
                        bool(o, "special", false), bool(o, "normalized", true), bool(o, "lstrip", false),
                        bool(o, "rstrip", false), bool(o, "single_word", false)));
            }
            return out;
        }

        // ------------------------------------------------------------ typed access

        private String type(Object value, String what) {
            Object t = object(value, what).get("type");
            if (t == null) {
                throw fail(what + " has no \"type\"");
            }
            return string(t, what + ".type");
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> object(Object v, String what) {
            if (v instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw fail(what + " should be a JSON object, not " + describe(v));
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object v, String what) {
            if (v instanceof List<?> l) {
                return (List<Object>) l;
            }
            throw fail(what + " should be a JSON array, not " + describe(v));
        }

        private String string(Object v, String what) {
            if (v instanceof String s) {
                return s;
            }
            throw fail(what + " should be a string, not " + describe(v));
        }

        private int integer(Object v, String what) {
            if (v instanceof Number n && n.doubleValue() == n.intValue()) {
                return n.intValue();
            }
            throw fail(what + " should be an integer, not " + describe(v));
        }

        private boolean bool(Map<String, Object> o, String key, boolean absent) {
            Object v = o.get(key);
            if (v == null) {
                return absent;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw fail(key + " should be true or false, not " + describe(v));
        }

        private static String describe(Object v) {
            return v == null ? "missing/null" : v instanceof Map ? "an object" : v instanceof List ? "an array"
                    : v instanceof String ? "a string" : v.toString();
        }

        private TokenizerException unsupported(String component, String type, String supported) {
            return fail(component + " type \"" + type + "\" is not supported (supported: " + supported + ")");
        }

        private TokenizerException fail(String message) {
            return new TokenizerException(file + ": " + message);
        }

        private static int[] toArray(List<Integer> l) {
            return l.stream().mapToInt(Integer::intValue).toArray();
        }
    }
}
