package io.lgbmops.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.lgbmops.pipeline.deploy.DeploySettings;
import java.io.PrintStream;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * What every part of the function works with: the shared clients, the validated settings, the
 * translator built from them, the JSON mapper and the decision log. Built once per handler.
 */
record DeployContext(AwsClients clients, DeploySettings config, DeployTranslator translator, ObjectMapper mapper,
        DecisionLog log) {

    static DeployContext of(AwsClients clients, DeploySettings config, ObjectMapper mapper, PrintStream logStream) {
        return new DeployContext(clients, config, new DeployTranslator(config), mapper,
                new DecisionLog(mapper.getFactory(), logStream));
    }

    SageMakerClient sageMaker() {
        return clients.sageMaker();
    }

    S3Client s3() {
        return clients.s3();
    }

    ApplicationAutoScalingClient autoscaling() {
        return clients.autoscaling();
    }

    CloudWatchClient cloudWatch() {
        return clients.cloudWatch();
    }
}
