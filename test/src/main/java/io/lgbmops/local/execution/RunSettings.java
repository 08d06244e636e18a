package io.lgbmops.local.execution;

import java.nio.file.Path;
import java.util.Map;

/**
 * The local knobs of a run, none of which SageMaker has: they bound the work to this machine.
 *
 * @param tuningSeed             seed of the random search when the definition sets no RandomSeed
 * @param maxParallelTrials      upper bound of concurrent training processes (the machine's cores)
 * @param hyperparameterOverrides replace static hyperparameters of Training and Tuning steps
 * @param lambdaJar              the deploy Lambda's shaded jar, run for Lambda steps
 * @param lambdaCode             the jar of a function by ARN, where the source ships it (cdk.out)
 * @param lambdaEnvironment      environment of the Lambda function(s), by function ARN; key "*"
 *                               applies to every function
 */
public record RunSettings(
        long tuningSeed,
        int maxParallelTrials,
        Map<String, String> hyperparameterOverrides,
        Path lambdaJar,
        Map<String, Path> lambdaCode,
        Map<String, Map<String, String>> lambdaEnvironment) {

    public RunSettings {
        hyperparameterOverrides = Map.copyOf(hyperparameterOverrides);
        lambdaEnvironment = Map.copyOf(lambdaEnvironment);
        lambdaCode = Map.copyOf(lambdaCode);
        if (maxParallelTrials < 1) {
            throw new IllegalArgumentException("maxParallelTrials must be >= 1, got " + maxParallelTrials);
        }
    }
}
