package io.lgbmops.infra.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration of the whole app: the stages to synthesize. Parsed once, in main,
 * from the `stages` context object and the optional `stage` selector (`-c stage=prod`).
 */
public record AppConfig(List<StageConfig> stages) {

    public AppConfig {
        if (stages.isEmpty()) {
            throw new ConfigException("stages must define at least one stage");
        }
        stages = List.copyOf(stages);
    }

    /**
     * @param stagesContext the `stages` context value: an object of stage name to settings
     * @param selector      the `stage` context value: a stage name, or null for every stage
     * @param repoRoot      the repository root, which each stage's `dataset` path is relative to
     */
    @SuppressWarnings("unchecked")
    public static AppConfig fromContext(Object stagesContext, Object selector, Path repoRoot) {
        if (!(stagesContext instanceof Map<?, ?> map) || map.isEmpty()) {
            throw new ConfigException("stages must be an object of stage name to settings in cdk.json context, got " + stagesContext);
        }
        List<StageConfig> stages = new ArrayList<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String name = String.valueOf(entry.getKey());
            if (!(entry.getValue() instanceof Map<?, ?> settings)) {
                throw new ConfigException("stages." + name + " must be an object of settings, got " + entry.getValue());
            }
            stages.add(StageConfig.fromContext(name, (Map<String, Object>) settings, repoRoot));
        }
        if (selector == null || selector.toString().isBlank()) {
            return new AppConfig(stages);
        }
        String wanted = selector.toString().trim();
        return stages.stream()
                .filter(stage -> stage.name().equals(wanted))
                .findFirst()
                .map(stage -> new AppConfig(List.of(stage)))
                .orElseThrow(() -> new ConfigException("stage must be one of "
                        + stages.stream().map(StageConfig::name).toList() + ", got \"" + wanted + "\""));
    }
}
