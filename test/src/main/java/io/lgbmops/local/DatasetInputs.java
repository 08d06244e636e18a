package io.lgbmops.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.lgbmops.local.emulator.S3Uri;
import io.lgbmops.pipeline.LightGbmPipeline;
import io.lgbmops.pipeline.dataset.DatasetContract;
import io.lgbmops.pipeline.dataset.DatasetContractException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dataset of one local execution: its contract and its data file, and the S3 URIs they go to.
 * Without {@code --dataset} the execution reads what the definition's defaults name (the contract
 * the stack deploys, else {@code datasets/census.json}). With {@code --dataset} it reads that
 * contract and data at the places the stack would use for a dataset of that name
 * ({@link LightGbmPipeline#datasetContractKey}, {@link LightGbmPipeline#rawDataPrefix}) in the
 * default URIs' buckets, unless {@code --param} names the URIs.
 *
 * @param contract           the contract, checked as the stack checks it at synth
 * @param contractText       what is uploaded
 * @param shownAs            where the contract came from, for the console
 * @param contractTarget     its S3 URI (the value of DatasetContractUri)
 * @param uploadContract     false when the stack's own upload already put it there
 * @param dataTarget         where the data file goes: a key, or a prefix the file name is appended to
 * @param parameterOverrides parameters the runner sets on top of the command line's
 */
record DatasetInputs(DatasetContract contract, String contractText, String shownAs, S3Uri contractTarget,
                     boolean uploadContract, S3Uri dataTarget, Map<String, String> parameterOverrides) {

    static final String CONTRACT_PARAMETER = LightGbmPipeline.DATASET_CONTRACT_URI;
    static final String DEFAULT_CONTRACT = "datasets/census.json";

    DatasetInputs {
        parameterOverrides = Map.copyOf(parameterOverrides);
    }

    static DatasetInputs choose(RunnerOptions options, Map<String, String> staticFiles, Map<String, JsonNode> defaults) {
        JsonNode contractDefault = defaults.get(CONTRACT_PARAMETER);
        if (contractDefault == null || !contractDefault.asText().startsWith("s3://")) {
            throw new RunnerOptions.UsageException("the definition declares no " + CONTRACT_PARAMETER
                    + " parameter holding an s3:// URI, got " + contractDefault);
        }
        JsonNode dataDefault = defaults.get(options.dataParameter());
        if (dataDefault == null || !dataDefault.asText().startsWith("s3://")) {
            throw new RunnerOptions.UsageException("parameter " + options.dataParameter()
                    + " (--data-parameter) must hold an s3:// URI to upload the data to, got " + dataDefault);
        }
        String text;
        String shownAs;
        boolean fromStack = false;
        if (options.dataset().isPresent()) {
            Path file = options.dataset().get();
            text = read(file, "--dataset");
            shownAs = file.toString();
        } else if (staticFiles.containsKey(contractDefault.asText())) {
            text = staticFiles.get(contractDefault.asText());
            shownAs = "the contract the stack deploys";
            fromStack = true;
        } else {
            Path file = options.repoRoot().resolve(DEFAULT_CONTRACT);
            text = read(file, "the default contract");
            shownAs = DEFAULT_CONTRACT;
        }
        DatasetContract contract = parse(text, shownAs);

        Map<String, String> overrides = new LinkedHashMap<>();
        boolean otherDataset = options.dataset().isPresent();
        S3Uri contractTarget = S3Uri.parse(contractDefault.asText());
        if (options.parameters().containsKey(CONTRACT_PARAMETER)) {
            contractTarget = S3Uri.parse(options.parameters().get(CONTRACT_PARAMETER));
        } else if (otherDataset) {
            contractTarget = new S3Uri(contractTarget.bucket(), LightGbmPipeline.datasetContractKey(contract.name()));
            overrides.put(CONTRACT_PARAMETER, contractTarget.toString());
        }
        S3Uri dataTarget = S3Uri.parse(dataDefault.asText());
        if (options.parameters().containsKey(options.dataParameter())) {
            dataTarget = S3Uri.parse(options.parameters().get(options.dataParameter()));
        } else if (otherDataset) {
            dataTarget = new S3Uri(dataTarget.bucket(), LightGbmPipeline.rawDataPrefix(contract.name()));
            overrides.put(options.dataParameter(), dataTarget.toString());
        }
        boolean upload = !fromStack || options.parameters().containsKey(CONTRACT_PARAMETER);
        return new DatasetInputs(contract, text, shownAs, contractTarget, upload, dataTarget, overrides);
    }

    /** {@code text} as a dataset contract; a mistake is the user's, named with where it came from. */
    static DatasetContract parse(String text, String shownAs) {
        try {
            return DatasetContract.parse(text, shownAs);
        } catch (DatasetContractException e) {
            throw new RunnerOptions.UsageException(e.getMessage());
        }
    }

    /** The contract file {@code what} names; a missing file is the user's mistake. */
    static String read(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new RunnerOptions.UsageException(what + ": no contract file at " + file);
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
