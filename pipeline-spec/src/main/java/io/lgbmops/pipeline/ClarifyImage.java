package io.lgbmops.pipeline;

import java.util.Map;
import java.util.TreeMap;

/**
 * Where SageMaker Clarify's processing image lives: one AWS-owned ECR registry per region,
 * repository {@code sagemaker-clarify-processing}, tag {@code 1.0}.
 *
 * <p>When the region is a CDK token at synth time, build a {@code CfnMapping} from
 * {@link #REGISTRY_ACCOUNTS} and look the account up by {@code Aws.REGION}.
 */
public final class ClarifyImage {

    public static final String REPOSITORY = "sagemaker-clarify-processing";
    public static final String TAG = "1.0";

    /** Region to registry account, as the SageMaker Python SDK's image URI table lists them. */
    public static final Map<String, String> REGISTRY_ACCOUNTS = Map.ofEntries(
            Map.entry("af-south-1", "811711786498"),
            Map.entry("ap-east-1", "098760798382"),
            Map.entry("ap-northeast-1", "377024640650"),
            Map.entry("ap-northeast-2", "263625296855"),
            Map.entry("ap-northeast-3", "364406365360"),
            Map.entry("ap-south-1", "452307495513"),
            Map.entry("ap-southeast-1", "834264404009"),
            Map.entry("ap-southeast-2", "007051062584"),
            Map.entry("ca-central-1", "675030665977"),
            Map.entry("eu-central-1", "017069133835"),
            Map.entry("eu-north-1", "763603941244"),
            Map.entry("eu-south-1", "638885417683"),
            Map.entry("eu-west-1", "131013547314"),
            Map.entry("eu-west-2", "440796970383"),
            Map.entry("eu-west-3", "341593696636"),
            Map.entry("me-south-1", "835444307964"),
            Map.entry("sa-east-1", "520018980103"),
            Map.entry("us-east-1", "205585389593"),
            Map.entry("us-east-2", "211330385671"),
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
        return account + ".dkr.ecr." + region + ".amazonaws.com/" + REPOSITORY + ":" + TAG;
    }
}
