package dev.mambajvm.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads the JSON of a checkpoint (config.json, the safetensors header, the shard index) into maps and
 * lists, the same way everywhere:
 *
 * <ul>
 *   <li>the bytes must be valid UTF-8 (checked first, for a clearer message than the parser's);
 *   <li>bare {@code Infinity}, {@code -Infinity} and {@code NaN} are accepted: Python's json module
 *       writes them (older transformers wrote {@code "time_step_limit": [0.0, Infinity]});
 *   <li>a duplicate key is an error: silently keeping one of two tensor entries would be a wrong
 *       answer, not a crash;
 *   <li>the top level must be an object and nothing but whitespace may follow it.
 * </ul>
 *
 * Numbers come back as {@link Integer}, {@link Long}, {@link java.math.BigInteger} or {@link Double}.
 */
public final class JsonFiles {
    private static final JSON JSON_READER = JSON.builder(JsonFactory.builder()
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .build();

    private JsonFiles() {}

    /**
     * Parses {@code bytes} as one JSON object. {@code source} names the file (and part of it) in
     * error messages, e.g. {@code "model.safetensors: header"}.
     */
    public static Map<String, Object> readObject(String source, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(source + " is not valid UTF-8 (" + e.getMessage() + ")", e);
        }
        return readObject(source, text);
    }

    /** Parses {@code text} as one JSON object; see {@link #readObject(String, byte[])}. */
    public static Map<String, Object> readObject(String source, String text) {
        try (JsonParser parser = JSON_READER.createParser(text)) {
            Object value = JSON_READER.anyFrom(parser);
            if (parser.nextToken() != null) {
                throw new ModelFormatException(source + " is not valid JSON: unexpected content after the top-level value at "
                        + location(parser));
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw new ModelFormatException(source + " is not a JSON object (found " + describe(value) + ")");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> object = (Map<String, Object>) map;
            return object;
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr()), e);
        } catch (IOException e) {
            throw new ModelFormatException(source + " could not be parsed: " + e.getMessage(), e);
        }
    }

    private static String location(JsonParser parser) {
        var loc = parser.currentLocation();
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** A short description of a JSON value for error messages: {@code a string "64"}, {@code null}. */
    public static String describe(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "a string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case Boolean b -> "the boolean " + b;
            case Number n -> "the number " + n;
            case Map<?, ?> m -> "an object";
            case java.util.List<?> l -> "an array";
            default -> value.getClass().getSimpleName();
        };
    }
}
