package dev.mambajvm.model.config;

import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.ModelFormatException;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Typed reads of one JSON object of a config file. Every failure names the file, the field and the
 * expected type: {@code config.json: "state_size" missing (expected an integer)}. Types are strict:
 * {@code "64"} or {@code 64.0} is not an integer, {@code 1} is not a boolean; a config with such values
 * was not written by transformers or mamba_ssm, and guessing would hide a broken file.
 */
final class ConfigFields {
    private final String source;
    private final String prefix;
    private final Map<String, Object> object;

    /** {@code source} is the file name; {@code prefix} qualifies nested fields, e.g. {@code "ssm_cfg."}. */
    ConfigFields(String source, String prefix, Map<String, Object> object) {
        this.source = source;
        this.prefix = prefix;
        this.object = object;
    }

    boolean has(String field) {
        return object.get(field) != null;
    }

    Object raw(String field) {
        return object.get(field);
    }

    int requireInt(String field) {
        return toInt(field, require(field, "an integer"));
    }

    int optInt(String field, int fallback) {
        return has(field) ? toInt(field, object.get(field)) : fallback;
    }

    int requirePositiveInt(String field) {
        return positive(field, requireInt(field));
    }

    int optPositiveInt(String field, int fallback) {
        return positive(field, optInt(field, fallback));
    }

    boolean optBoolean(String field, boolean fallback) {
        if (!has(field)) {
            return fallback;
        }
        if (object.get(field) instanceof Boolean b) {
            return b;
        }
        throw wrongType(field, "a boolean");
    }

    double optDouble(String field, double fallback) {
        return has(field) ? toDouble(field, object.get(field)) : fallback;
    }

    String optString(String field, String fallback) {
        if (!has(field)) {
            return fallback;
        }
        if (object.get(field) instanceof String s) {
            return s;
        }
        throw wrongType(field, "a string");
    }

    /** A nested object ({@code ssm_cfg}); an empty one when absent. */
    ConfigFields optObject(String field) {
        if (!has(field)) {
            return new ConfigFields(source, prefix + field + ".", Map.of());
        }
        if (object.get(field) instanceof Map<?, ?> map) {
            @SuppressWarnings("unchecked")
            Map<String, Object> nested = (Map<String, Object>) map;
            return new ConfigFields(source, prefix + field + ".", nested);
        }
        throw wrongType(field, "an object");
    }

    /** A [min, max] pair of numbers; the fallback when absent. */
    double[] optRange(String field, double[] fallback) {
        if (!has(field)) {
            return fallback;
        }
        if (object.get(field) instanceof List<?> list && list.size() == 2) {
            double[] range = {toDouble(field + "[0]", list.get(0)), toDouble(field + "[1]", list.get(1))};
            if (!(range[0] <= range[1])) {
                throw error(field, "is [" + range[0] + ", " + range[1] + "] (expected [min, max] with min <= max)");
            }
            return range;
        }
        throw wrongType(field, "an array [min, max] of two numbers");
    }

    ModelFormatException error(String field, String problem) {
        return new ModelFormatException(source + ": \"" + prefix + field + "\" " + problem);
    }

    ModelFormatException wrongType(String field, String expected) {
        return error(field, "is " + JsonFiles.describe(object.get(field)) + " (expected " + expected + ")");
    }

    private Object require(String field, String expected) {
        Object value = object.get(field);
        if (value == null) {
            throw error(field, object.containsKey(field) ? "is null (expected " + expected + ")" : "missing (expected " + expected + ")");
        }
        return value;
    }

    private int toInt(String field, Object value) {
        if (value instanceof Integer i) {
            return i;
        }
        if (value instanceof Long || value instanceof BigInteger) {
            throw error(field, "is " + value + " (expected an integer below 2^31)");
        }
        throw wrongType(field, "an integer");
    }

    private int positive(String field, int value) {
        if (value <= 0) {
            throw error(field, "is " + value + " (expected a positive integer)");
        }
        return value;
    }

    /**
     * A JSON number, or the {@code {"__float__": "Infinity"}} object transformers 5 writes for the
     * floats JSON cannot express (bare {@code Infinity}/{@code NaN} were already parsed to doubles).
     */
    private double toDouble(String field, Object value) {
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        if (value instanceof Map<?, ?> map && map.size() == 1 && map.get("__float__") instanceof String s) {
            switch (s) {
                case "Infinity", "inf", "+Infinity": return Double.POSITIVE_INFINITY;
                case "-Infinity", "-inf": return Double.NEGATIVE_INFINITY;
                case "NaN", "nan": return Double.NaN;
                default:
                    try {
                        return Double.parseDouble(s);
                    } catch (NumberFormatException e) {
                        throw error(field, "is {\"__float__\": \"" + s + "\"} (expected a number)");
                    }
            }
        }
        throw new ModelFormatException(source + ": \"" + prefix + field + "\" is " + JsonFiles.describe(value) + " (expected a number)");
    }
}
