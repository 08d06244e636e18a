package io.lgbmops.pipeline;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Map;

/**
 * {@code {"Std:JsonGet": {"PropertyFile": {"Get": "Steps.X.PropertyFiles.Y"}, "Path": "a.b"}}}:
 * a value read at run time from a JSON file that a processing step declared as a property file.
 */
public record JsonGet(String stepName, String propertyFile, String path) implements Value {

    @JsonValue
    Map<String, Object> json() {
        return Map.of("Std:JsonGet",
                new Body(Get.step(stepName, "PropertyFiles." + propertyFile), path));
    }

    @JsonPropertyOrder({"PropertyFile", "Path"})
    record Body(@JsonProperty("PropertyFile") Get propertyFile, @JsonProperty("Path") String path) {}
}
