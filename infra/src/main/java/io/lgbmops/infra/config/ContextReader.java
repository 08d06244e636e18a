package io.lgbmops.infra.config;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
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
        Object value = raw(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(path(key) + " must be a number, got \"" + value + "\"");
        }
    }

    /** A whole number whose range its owner checks. */
    int integer(String key, int defaultValue) {
        return integer(key, defaultValue, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    int integer(String key, int defaultValue, int min, int max) {
        Object value = raw(key);
        int result;
        if (value == null) {
            result = defaultValue;
        } else if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            result = n.intValue();
        } else {
            try {
                result = Integer.parseInt(value.toString().trim());
            } catch (NumberFormatException e) {
                throw new ConfigException(path(key) + " must be a whole number, got \"" + value + "\"");
            }
        }
        if (result < min || result > max) {
            throw new ConfigException(path(key) + " must be in [" + min + ", " + max + "], got " + result);
        }
        return result;
    }

    boolean bool(String key, boolean defaultValue) {
        Object value = raw(key);
        if (value == null) {
            return defaultValue;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(path(key) + " must be true or false, got \"" + value + "\"");
        };
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
