package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Adds {@code ShadowProductionVariants} to moto's endpoint configs, which moto 5.2.5 accepts and
 * drops: CreateEndpointConfig goes to moto and the shadow variants are kept here (after the check
 * SageMaker makes: the shadow's model exists, one production and one shadow variant at most);
 * DescribeEndpointConfig answers moto's description with them added; DeleteEndpointConfig forgets
 * them. Everything else about the config is moto's.
 */
public final class ShadowVariantEmulator implements FaultInjectingProxy.Responder {

    static final String CREATE = "SageMaker.CreateEndpointConfig";
    static final String DESCRIBE = "SageMaker.DescribeEndpointConfig";
    static final String DELETE = "SageMaker.DeleteEndpointConfig";

    private final AwsClients moto;
    private final ObjectMapper mapper = new ObjectMapper();
    private final Map<String, ArrayNode> shadows = new ConcurrentHashMap<>();

    public ShadowVariantEmulator(AwsClients moto) {
        this.moto = moto;
    }

    /** Answers the three calls on {@code proxy}; the stored shadows outlive the proxy's rules. */
    public void install(FaultInjectingProxy proxy) {
        proxy.when(call -> List.of(CREATE, DESCRIBE, DELETE).contains(call.operation()), -1, this);
    }

    public void clear() {
        shadows.clear();
    }

    /** The shadow variants of {@code configName} as created (empty when it has none). */
    public List<JsonNode> shadowVariants(String configName) {
        ArrayNode stored = shadows.get(configName);
        return stored == null ? List.of() : toList(stored);
    }

    private static List<JsonNode> toList(ArrayNode array) {
        java.util.ArrayList<JsonNode> list = new java.util.ArrayList<>();
        array.elements().forEachRemaining(list::add);
        return list;
    }

    @Override
    public FaultInjectingProxy.Reply respond(FaultInjectingProxy.Call call, FaultInjectingProxy.Forwarder forwarder)
            throws IOException, InterruptedException {
        JsonNode body = mapper.readTree(call.body());
        String name = body.path("EndpointConfigName").asText();
        switch (call.operation()) {
            case CREATE -> {
                JsonNode shadow = body.path("ShadowProductionVariants");
                if (shadow.isArray() && !shadow.isEmpty()) {
                    if (shadow.size() > 1 || body.path("ProductionVariants").size() > 1) {
                        return FaultInjectingProxy.Reply.validationError("With ShadowProductionVariants, only one "
                                + "production variant and one shadow variant can be specified.");
                    }
                    String model = shadow.get(0).path("ModelName").asText();
                    if (AwsCalls.describe("describe model " + model,
                            () -> moto.sageMaker().describeModel(r -> r.modelName(model))).isEmpty()) {
                        return FaultInjectingProxy.Reply.validationError("Could not find model \"" + model + "\".");
                    }
                }
                FaultInjectingProxy.Reply reply = forwarder.forward(call);
                if (reply.status() == 200 && shadow.isArray() && !shadow.isEmpty()) {
                    shadows.put(name, (ArrayNode) shadow);
                }
                return reply;
            }
            case DESCRIBE -> {
                FaultInjectingProxy.Reply reply = forwarder.forward(call);
                ArrayNode stored = shadows.get(name);
                if (reply.status() != 200 || stored == null) {
                    return reply;
                }
                ObjectNode described = (ObjectNode) mapper.readTree(reply.body());
                described.set("ShadowProductionVariants", stored);
                return FaultInjectingProxy.Reply.json(200, mapper.writeValueAsString(described));
            }
            default -> {
                FaultInjectingProxy.Reply reply = forwarder.forward(call);
                if (reply.status() == 200) {
                    shadows.remove(name);
                }
                return reply;
            }
        }
    }
}
