package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A value in a step's arguments: a literal, or an expression SageMaker resolves when the
 * execution reaches the step ({@code Get}, {@code Std:Join}, {@code Std:JsonGet}).
 */
public sealed interface Value permits Value.Literal, Get, Join, JsonGet {

    static Value text(String value) {
        return new Literal(value);
    }

    static Value integer(int value) {
        return new Literal(value);
    }

    static Value number(double value) {
        return new Literal(value);
    }

    static Value bool(boolean value) {
        return new Literal(value);
    }

    static List<Value> texts(String... values) {
        return Arrays.stream(values).<Value>map(Literal::new).toList();
    }

    /** A string, whole number, number or boolean, written into the definition as itself. */
    record Literal(Object value) implements Value {
        public Literal {
            Objects.requireNonNull(value, "value");
            if (!(value instanceof String || value instanceof Integer || value instanceof Double
                    || value instanceof Boolean)) {
                throw new IllegalArgumentException("a literal is a String, Integer, Double or Boolean, got "
                        + value.getClass().getName());
            }
        }

        @JsonValue
        @Override
        public Object value() {
            return value;
        }
    }
}
