package io.lgbmops.pipeline;

import java.util.Arrays;
import java.util.List;

/**
 * Who computes a stage's bias metrics and feature attributions. {@link #NATIVE} runs our own
 * Explain step (exact TreeSHAP, bias gated by MinDisparateImpact/MaxAbsDPPL) and works in every
 * account; {@link #CLARIFY} runs the SageMaker Clarify checks instead, for accounts that still
 * have Clarify (it is closed to new customers).
 */
public enum Explainability {
    NATIVE("native"),
    CLARIFY("clarify");

    /** The mode when a stage names none. */
    public static final Explainability DEFAULT = NATIVE;

    private final String configName;

    Explainability(String configName) {
        this.configName = configName;
    }

    /** How {@code cdk.json} spells the mode. */
    public String configName() {
        return configName;
    }

    /** The spellings {@link #fromConfigName} accepts, in declaration order. */
    public static List<String> configNames() {
        return Arrays.stream(values()).map(Explainability::configName).toList();
    }

    public static Explainability fromConfigName(String value) {
        for (Explainability mode : values()) {
            if (mode.configName.equals(value)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("explainability must be one of " + String.join(", ", configNames())
                + ", got " + value);
    }
}
