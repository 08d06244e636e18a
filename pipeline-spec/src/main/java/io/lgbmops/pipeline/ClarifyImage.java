package io.lgbmops.pipeline;

import java.util.Map;
import java.util.TreeMap;

/**
 * Where SageMaker Clarify's processing image lives: one AWS-owned ECR registry per region,
 * repository {@code sagemaker-clarify-processing}, tag {@code 1.0}.
 *
 * <p>When the region is a CDK token at synth time, build a {@code CfnMapping} from
 * {@link #imageUris()} and look the URI up by {@code Aws.REGION}.
 */
public final class ClarifyImage {

    public static final String REPOSITORY = "sagemaker-clarify-processing";
    public static final String TAG = "1.0";

    /**
     * Region to registry account, from the SageMaker Python SDK's image table (what
     * {@code image_uris.retrieve("clarify", region)} answers):
     * https://github.com/aws/sagemaker-python-sdk/blob/5dd8b85d99a663b10c199a4d101b00c76902ee0f/src/sagemaker/image_uri_config/clarify.json
     * and, for ap-southeast-3, eu-central-2 and the us-isof regions, its successor
     * https://github.com/aws/sagemaker-python-sdk/blob/7e7b6f18c26a460be2faec8a66953e6f710cef84/sagemaker-core/src/sagemaker/core/image_uri_config/clarify.json
     * The developer guide's "Prebuilt SageMaker Clarify Containers" table agrees for every commercial
     * and China region (e.g. https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/ecr-ap-northeast-3.html).
     */
    public static final Map<String, String> REGISTRY_ACCOUNTS = Map.ofEntries(
            Map.entry("af-south-1", "811711786498"),
            Map.entry("ap-east-1", "098760798382"),
            Map.entry("ap-northeast-1", "377024640650"),
            Map.entry("ap-northeast-2", "263625296855"),
            Map.entry("ap-northeast-3", "912233562940"),
            Map.entry("ap-south-1", "452307495513"),
            Map.entry("ap-southeast-1", "834264404009"),
            Map.entry("ap-southeast-2", "007051062584"),
            Map.entry("ap-southeast-3", "705930551576"),
            Map.entry("ca-central-1", "675030665977"),
            Map.entry("cn-north-1", "122526803553"),
            Map.entry("cn-northwest-1", "122578899357"),
            Map.entry("eu-central-1", "017069133835"),
            Map.entry("eu-central-2", "730335477804"),
            Map.entry("eu-north-1", "763603941244"),
            Map.entry("eu-south-1", "638885417683"),
            Map.entry("eu-west-1", "131013547314"),
            Map.entry("eu-west-2", "440796970383"),
            Map.entry("eu-west-3", "341593696636"),
            Map.entry("me-south-1", "835444307964"),
            Map.entry("sa-east-1", "520018980103"),
            Map.entry("us-east-1", "205585389593"),
            Map.entry("us-east-2", "211330385671"),
            Map.entry("us-gov-west-1", "598674086554"),
            Map.entry("us-isof-east-1", "579539705040"),
            Map.entry("us-isof-south-1", "411392592546"),
            Map.entry("us-west-1", "740489534195"),
            Map.entry("us-west-2", "306415355426"));

    private ClarifyImage() {}

    /** The image URI for a concrete region name (not a token). */
    public static String uriFor(String region) {
        String account = REGISTRY_ACCOUNTS.get(region);
        if (account == null) {
            throw new IllegalArgumentException("no SageMaker Clarify image is known for region " + region
                    + "; known regions: " + new TreeMap<>(REGISTRY_ACCOUNTS).keySet());
        }
        return account + ".dkr.ecr." + region + "." + dnsSuffix(region) + "/" + REPOSITORY + ":" + TAG;
    }

    /** Every known region's image URI, sorted by region (the rows of a {@code CfnMapping}). */
    public static Map<String, String> imageUris() {
        var uris = new TreeMap<String, String>();
        REGISTRY_ACCOUNTS.keySet().forEach(region -> uris.put(region, uriFor(region)));
        return uris;
    }

    /** The partition's domain: ECR hosts in China and in the ISO-F partition are not under amazonaws.com. */
    private static String dnsSuffix(String region) {
        if (region.startsWith("cn-")) {
            return "amazonaws.com.cn";
        }
        if (region.startsWith("us-isof-")) {
            return "csp.hci.ic.gov";
        }
        return "amazonaws.com";
    }
}
