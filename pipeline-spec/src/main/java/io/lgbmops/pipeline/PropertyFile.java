package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A JSON file written to one of a processing step's outputs, declared so that later steps can
 * read values from it with {@code Std:JsonGet}.
 */
@JsonPropertyOrder({"PropertyFileName", "OutputName", "FilePath"})
public record PropertyFile(
        @JsonProperty("PropertyFileName") String name,
        @JsonProperty("OutputName") String outputName,
        @JsonProperty("FilePath") String filePath) {

    public PropertyFile {
        StepNames.requireValid("property file", name);
    }
}
