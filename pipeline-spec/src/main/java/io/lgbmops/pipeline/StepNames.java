package io.lgbmops.pipeline;

import java.util.regex.Pattern;

/** The naming rule SageMaker applies to step and parameter names. */
final class StepNames {

    static final Pattern VALID = Pattern.compile("^[A-Za-z0-9\\-_]{1,64}$");

    private StepNames() {}

    static String requireValid(String what, String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + " name must match " + VALID.pattern() + ", got " + name);
        }
        return name;
    }
}
