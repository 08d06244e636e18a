package io.lgbmops.pipeline;

import java.util.List;

/** A definition that would fail in SageMaker; {@link #problems()} has one line per problem. */
public final class PipelineValidationException extends RuntimeException {

    private final List<String> problems;

    PipelineValidationException(List<String> problems) {
        super("pipeline definition is invalid:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
