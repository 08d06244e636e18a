package io.lgbmops.local;

import io.lgbmops.local.emulator.AwsClients;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The command line of the local runner. */
public record RunnerOptions(
        Path repoRoot,
        Optional<Path> definition,
        Optional<Path> cdkOut,
        Optional<String> stack,
        Map<String, String> parameters,
        Map<String, String> hyperparameterOverrides,
        Map<String, String> lambdaEnvironment,
        Optional<Path> dataset,
        Path data,
        String dataParameter,
        Optional<URI> endpointUrl,
        boolean keepEmulator,
        Optional<Path> summary,
        Path workDir,
        Path venv,
        Path lambdaJar,
        long seed,
        int maxParallel,
        int smokeRows,
        String pipelineName,
        String pipeline) {

    /** {@code --pipeline}: the stage's training pipeline (the default), its batch scoring pipeline
     * ({@link BatchRun}) or its monitoring pipeline. */
    public static final String TRAINING = "train";
    public static final String BATCH = "batch";
    public static final String MONITORING = "monitor";
    static final List<String> PIPELINES = List.of(TRAINING, BATCH, MONITORING);

    static final String USAGE = """
            usage: java -jar test/target/local-run.jar [options]

            Runs the SageMaker pipeline definition locally: moto as the AWS API, the container's console
            scripts as the image, the deploy Lambda's jar as the function.

            definition (default: the AWS::SageMaker::Pipeline in cdk.out if there is one, else the
            definition pipeline-spec builds):
              --cdk-out DIR           synthesized CDK app to read the pipeline from
              --stack NAME            stack holding the pipeline when several do
              --pipeline KIND         train (default), batch or monitor:
                                      batch scores --data (a CSV file or a directory of them) with the latest
                                      Approved package of the group, as lgbmops-<stage>-batch does (from
                                      --cdk-out: the -Batch stack's pipeline, the stack's contract and
                                      deploy function);
                                      monitor checks the capture files in the emulator's S3 against the live
                                      model, as lgbmops-<stage>-monitor does (both need --endpoint-url of the
                                      emulator a training run kept)
              --definition FILE       a plain pipeline definition JSON file
            execution:
              --param NAME=VALUE      override a pipeline parameter (repeatable)
              --hp NAME=VALUE         override a static hyperparameter of training/tuning jobs (repeatable;
                                      a local budget knob, reported in the summary)
              --lambda-env NAME=VALUE set an environment variable of the Lambda function(s) (repeatable)
              --dataset FILE          dataset contract (datasets/*.json), uploaded and passed as DatasetContractUri
                                      (default: the contract the stack deploys, else datasets/census.json)
              --data FILE|DIR         data uploaded under InputDataUri first (default datasets/census/adult.data;
                                      required with --dataset); a directory's files all go under the prefix
              --data-parameter NAME   the parameter holding the data URI (default InputDataUri)
              --seed N                seed of the random hyperparameter search (default 42)
              --max-parallel N        most training processes at once (default: the number of cores)
              --smoke-rows N          rows of the test split sent to the served model (default 5, 0: none)
              --pipeline-name NAME    Execution.PipelineName (default: the template's, else lgbmops-local)
            environment:
              --endpoint-url URL      use a running emulator on 127.0.0.1 instead of starting moto
              --keep-emulator         leave the started emulator running and print its URL
              --summary FILE          also write the run summary as JSON
              --work-dir DIR          job directories and logs (default test/target/local-run/<execution>)
              --venv DIR              project virtualenv (default .venv)
              --lambda-jar FILE       deploy Lambda jar (default lambda-deploy/target/lambda-deploy.jar)
              --repo-root DIR         repository root (default: found from the working directory)
            """;

    public RunnerOptions {
        parameters = Map.copyOf(parameters);
        hyperparameterOverrides = Map.copyOf(hyperparameterOverrides);
        lambdaEnvironment = Map.copyOf(lambdaEnvironment);
    }

    public boolean monitoring() {
        return MONITORING.equals(pipeline);
    }

    boolean batch() {
        return BATCH.equals(pipeline);
    }

    /** Thrown for a bad command line; the message is for the user. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    static RunnerOptions parse(List<String> args) {
        Map<String, String> single = new LinkedHashMap<>();
        Map<String, String> parameters = new LinkedHashMap<>();
        Map<String, String> hyperparameters = new LinkedHashMap<>();
        Map<String, String> lambdaEnvironment = new LinkedHashMap<>();
        boolean keepEmulator = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg;
            String value = null;
            int equals = arg.indexOf('=');
            if (arg.startsWith("--") && equals > 0) {
                name = arg.substring(0, equals);
                value = arg.substring(equals + 1);
            }
            switch (name) {
                case "--help", "-h" -> throw new UsageException(USAGE);
                case "--keep-emulator" -> keepEmulator = true;
                case "--param", "--hp", "--lambda-env" -> {
                    String pair = value != null ? value : next(args, ++i, name);
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        throw new UsageException(name + " takes NAME=VALUE, got '" + pair + "'");
                    }
                    Map<String, String> target = switch (name) {
                        case "--param" -> parameters;
                        case "--hp" -> hyperparameters;
                        default -> lambdaEnvironment;
                    };
                    target.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                case "--cdk-out", "--stack", "--definition", "--dataset", "--data", "--data-parameter", "--endpoint-url",
                     "--summary", "--work-dir", "--venv", "--lambda-jar", "--seed", "--max-parallel", "--smoke-rows",
                     "--pipeline-name", "--repo-root", "--pipeline" -> single.put(name, value != null ? value : next(args, ++i, name));
                default -> throw new UsageException("unknown option " + arg + "\n\n" + USAGE);
            }
        }
        if (single.containsKey("--dataset") && !single.containsKey("--data")) {
            throw new UsageException("--dataset needs --data FILE: the table the contract describes");
        }
        if (single.containsKey("--definition") && single.containsKey("--cdk-out")) {
            throw new UsageException("--definition and --cdk-out exclude each other");
        }
        Path root = single.containsKey("--repo-root") ? Path.of(single.get("--repo-root")) : findRepoRoot();
        root = root.toAbsolutePath().normalize();
        Optional<URI> endpoint = Optional.ofNullable(single.get("--endpoint-url")).map(URI::create);
        endpoint.ifPresent(uri -> {
            try {
                AwsClients.requireLoopback(uri);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--endpoint-url: " + e.getMessage());
            }
        });
        Optional<Path> cdkOut = Optional.ofNullable(single.get("--cdk-out")).map(Path::of);
        String pipeline = single.getOrDefault("--pipeline", TRAINING);
        if (!PIPELINES.contains(pipeline)) {
            throw new UsageException("--pipeline must be one of " + PIPELINES + ", got '" + pipeline + "'");
        }
        if (pipeline.equals(BATCH) && !single.containsKey("--data")) {
            throw new UsageException("--pipeline batch needs --data: a CSV file or a directory of CSV files to score");
        }
        return new RunnerOptions(
                root,
                Optional.ofNullable(single.get("--definition")).map(Path::of),
                cdkOut,
                Optional.ofNullable(single.get("--stack")),
                parameters,
                hyperparameters,
                lambdaEnvironment,
                Optional.ofNullable(single.get("--dataset")).map(Path::of),
                Path.of(single.getOrDefault("--data", root.resolve("datasets/census/adult.data").normalize().toString())),
                single.getOrDefault("--data-parameter", "InputDataUri"),
                endpoint,
                keepEmulator,
                Optional.ofNullable(single.get("--summary")).map(Path::of),
                Path.of(single.getOrDefault("--work-dir", root.resolve("test/target/local-run").toString())),
                Path.of(single.getOrDefault("--venv", root.resolve(".venv").toString())),
                Path.of(single.getOrDefault("--lambda-jar", root.resolve("lambda-deploy/target/lambda-deploy.jar").toString())),
                number(single, "--seed", 42),
                (int) number(single, "--max-parallel", Runtime.getRuntime().availableProcessors()),
                (int) number(single, "--smoke-rows", 5),
                single.get("--pipeline-name"),
                pipeline);
    }

    private static String next(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value");
        }
        return args.get(i);
    }

    private static long number(Map<String, String> single, String option, long fallback) {
        String text = single.get(option);
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (!option.equals("--seed") && value < (option.equals("--smoke-rows") ? 0 : 1)) {
                throw new UsageException(option + " must be positive, got " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be an integer, got '" + text + "'");
        }
    }

    /** The repository: {@code -Drepo.root}, else the nearest directory upwards holding test/python_env.py. */
    public static Path findRepoRoot() {
        String property = System.getProperty("repo.root");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("test/python_env.py"))) {
                return dir;
            }
        }
        throw new UsageException("cannot find the repository root (a directory with test/python_env.py) above "
                + Path.of("").toAbsolutePath() + "; pass --repo-root");
    }
}
