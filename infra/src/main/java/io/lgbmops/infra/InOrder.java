package io.lgbmops.infra;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps that keep the order written, for values the CDK renders in map order into a string (a
 * buildspec, an event target's input) or a list (environment variables, metric dimensions).
 * Map.of's order changes from one JVM to the next: with it, each synth could reorder them, and
 * CloudFormation would update the resource for nothing.
 */
final class InOrder {

    private InOrder() {
    }

    static <V> Map<String, V> map(String key1, V value1, String key2, V value2) {
        Map<String, V> map = new LinkedHashMap<>();
        map.put(key1, value1);
        map.put(key2, value2);
        return map;
    }

    static <V> Map<String, V> map(String key1, V value1, String key2, V value2, String key3, V value3) {
        Map<String, V> map = map(key1, value1, key2, value2);
        map.put(key3, value3);
        return map;
    }
}
