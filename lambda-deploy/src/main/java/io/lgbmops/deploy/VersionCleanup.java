package io.lgbmops.deploy;

import static io.lgbmops.deploy.AwsCalls.call;
import static io.lgbmops.deploy.AwsCalls.describe;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Removes the function's old models and endpoint configs, keeping the newest and every one in use. */
final class VersionCleanup {

    private final DeployContext context;

    VersionCleanup(DeployContext context) {
        this.context = context;
    }

    private record Named(String name, int version, Instant created) { }

    /** One of our versioned names, or nothing for a name another owner gave. */
    private static Optional<Named> ours(ResourceNames names, String name, Instant created) {
        OptionalInt version = names.versionOf(name);
        return version.isPresent() ? Optional.of(new Named(name, version.getAsInt(), created)) : Optional.empty();
    }

    private static final Comparator<Named> NEWEST_FIRST = Comparator.comparingInt(Named::version).reversed()
            .thenComparing(Named::created, Comparator.nullsLast(Comparator.reverseOrder()));

    /**
     * Deletes our endpoint configs and models beyond the newest {@code keepLastVersions}, never one
     * in use: the live config, the one being rolled out, and the models they reference.
     * Best effort: a failure is logged and the next invocation tries again.
     */
    List<String> cleanUp(Set<String> configsInUse, String requestId) {
        List<String> deleted = new ArrayList<>();
        try {
            ResourceNames names = context.translator().names();
            List<Named> configs = call("list endpoint configs", () -> context.sageMaker()
                    .listEndpointConfigsPaginator(r -> r.nameContains(names.prefix())).endpointConfigs().stream()
                    .flatMap(c -> ours(names, c.endpointConfigName(), c.creationTime()).stream())
                    .sorted(NEWEST_FIRST).toList());
            List<Named> keptConfigs = new ArrayList<>();
            List<Named> staleConfigs = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                Named c = configs.get(i);
                boolean kept = i < context.config().keepLastVersions() || configsInUse.contains(c.name());
                (kept ? keptConfigs : staleConfigs).add(c);
            }
            List<Named> models = call("list models", () -> context.sageMaker()
                    .listModelsPaginator(r -> r.nameContains(names.prefix())).models().stream()
                    .flatMap(m -> ours(names, m.modelName(), m.creationTime()).stream())
                    .sorted(NEWEST_FIRST).toList());
            if (staleConfigs.isEmpty() && models.size() <= context.config().keepLastVersions()) {
                return deleted;
            }
            Set<String> modelsInUse = new HashSet<>();
            for (Named kept : keptConfigs) {
                describe("describe endpoint config " + kept.name(),
                        () -> context.sageMaker().describeEndpointConfig(r -> r.endpointConfigName(kept.name())))
                        .ifPresent(c -> EndpointResources.allVariants(c).forEach(v -> modelsInUse.add(v.modelName())));
            }
            for (Named stale : staleConfigs) {
                call("delete endpoint config " + stale.name(),
                        () -> context.sageMaker().deleteEndpointConfig(r -> r.endpointConfigName(stale.name())));
                deleted.add(stale.name());
            }
            for (int i = context.config().keepLastVersions(); i < models.size(); i++) {
                Named stale = models.get(i);
                if (!modelsInUse.contains(stale.name())) {
                    call("delete model " + stale.name(),
                            () -> context.sageMaker().deleteModel(r -> r.modelName(stale.name())));
                    deleted.add(stale.name());
                }
            }
        } catch (DeployException e) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("deleted", deleted);
            fields.put("reason", e.getMessage());
            context.log().info(requestId, "cleanup_incomplete", fields);
        }
        return deleted;
    }
}
