package io.lgbmops.pipeline.deploy;

import java.util.List;

/**
 * Where the F1 the gates compare is written, and what counts as a threshold. The container's
 * evaluate step writes the report, the pipeline's CheckF1 condition reads it through a property
 * file, and the deploy function reads it from the package's model-quality statistics.
 */
public final class F1Gate {

    /** The evaluation report's file name (SageMaker's model-quality statistics shape). */
    public static final String EVALUATION_FILE = "evaluation.json";
    /** The F1 in that report, as a property-file JSON path. */
    public static final String F1_JSON_PATH = "classification_metrics.f1.value";
    /** The same path, one key per level, for a reader that walks the JSON tree. */
    public static final List<String> F1_JSON_KEYS = List.of(F1_JSON_PATH.split("\\."));

    private F1Gate() {}

    /** A usable F1 threshold: finite, above 0 (0 would let anything through) and at most 1. */
    public static boolean isThreshold(double value) {
        return value > 0 && value <= 1;
    }
}
