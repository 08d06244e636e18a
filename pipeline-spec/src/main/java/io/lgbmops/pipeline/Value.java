package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A value in a step's arguments: a literal, or an expression SageMaker resolves when the
 * execution reaches the step ({@code Get}, {@code Std:Join}, {@code Std:JsonGet}).
 */
public sealed interface Value permits Value.Text, Value.Int, Value.Num, Value.Bool, Get, Join, JsonGet {

    static Value text(String value) {
        return new Text(value);
    }

    static Value integer(int value) {
        return new Int(value);
    }

    static Value number(double value) {
        return new Num(value);
    }

    static Value bool(boolean value) {
        return new Bool(value);
    }

    static List<Value> texts(String... values) {
        return Arrays.stream(values).<Value>map(Text::new).toList();
    }

    record Text(String value) implements Value {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @JsonValue
        @Override
        public String value() {
            return value;
        }
    }

    record Int(int value) implements Value {
        @JsonValue
        @Override
        public int value() {
            return value;
        }
    }

    record Num(double value) implements Value {
        @JsonValue
        @Override
        public double value() {
            return value;
        }
    }

    record Bool(boolean value) implements Value {
        @JsonValue
        @Override
        public boolean value() {
            return value;
        }
    }
}
