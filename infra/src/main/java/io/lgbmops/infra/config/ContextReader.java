package io.lgbmops.infra.config;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Typed reads from one JSON object of the CDK context. Every read records the key, so
 * {@link #rejectUnknownKeys()} can refuse a typo instead of silently using a default.
 * Values from `-c key=value` arrive as strings, values from cdk.json as JSON types: both are accepted.
 */
final class ContextReader {
    private final String path;
    private final Map<String, Object> values;
    private final Set<String> known = new LinkedHashSet<>();

    ContextReader(String path, Map<String, Object> values) {
        this.path = path;
        this.values = values;
    }

    String path(String key) {
        return path + "." + key;
    }

    private Object raw(String key) {
        known.add(key);
        return values.get(key);
    }

    String string(String key, String defaultValue) {
        Object value = raw(key);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof String s)) {
            throw new ConfigException(path(key) + " must be a string, got " + value);
        }
        return s;
    }

    String optionalString(String key, Pattern pattern, String description) {
        String value = string(key, null);
        if (value != null && !pattern.matcher(value).matches()) {
            throw new ConfigException(path(key) + " must be " + description + ", got \"" + value + "\"");
        }
        return value;
    }

    String matching(String key, String defaultValue, Pattern pattern, String description) {
        String value = string(key, defaultValue);
        if (!pattern.matcher(value).matches()) {
            throw new ConfigException(path(key) + " must be " + description + ", got \"" + value + "\"");
        }
        return value;
    }

    double decimal(String key, double defaultValue) {
        return typed(key, defaultValue, "a number", value -> value instanceof Number n ? n.doubleValue() : null,
                Double::parseDouble);
    }

    /** A whole number whose range its owner checks. */
    int integer(String key, int defaultValue) {
        return integer(key, defaultValue, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    int integer(String key, int defaultValue, int min, int max) {
        int result = typed(key, defaultValue, "a whole number",
                value -> value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) ? n.intValue() : null,
                Integer::parseInt);
        if (result < min || result > max) {
            throw new ConfigException(path(key) + " must be in [" + min + ", " + max + "], got " + result);
        }
        return result;
    }

    boolean bool(String key, boolean defaultValue) {
        return typed(key, defaultValue, "true or false", value -> value instanceof Boolean b ? b : null,
                text -> switch (text) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new IllegalArgumentException(text);
                });
    }

    /**
     * The value of {@code key}, or {@code defaultValue} when it is absent: a JSON value of the type
     * as it is ({@code fromJson}, null for any other), anything else parsed from its text (a value
     * given with `-c key=value` is a string).
     */
    private <T> T typed(String key, T defaultValue, String expected, Function<Object, T> fromJson, Function<String, T> fromText) {
        Object value = raw(key);
        if (value == null) {
            return defaultValue;
        }
        T json = fromJson.apply(value);
        if (json != null) {
            return json;
        }
        try {
            return fromText.apply(value.toString().trim());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(path(key) + " must be " + expected + ", got \"" + value + "\"");
        }
    }

    <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type) {
        String value = string(key, null);
        if (value == null) {
            return defaultValue;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return constant;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E constant : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase().replace('_', '-'));
        }
        throw new ConfigException(path(key) + " must be one of " + allowed + ", got \"" + value + "\"");
    }

    void rejectUnknownKeys() {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException(path(key) + " is not a known setting (known: " + String.join(", ", known) + ")");
            }
        }
    }
}
