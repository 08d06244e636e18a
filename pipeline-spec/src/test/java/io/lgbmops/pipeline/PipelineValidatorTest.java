package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PipelineValidatorTest {

    @Test
    void problems_whenPipelineIsBuiltFromPlaceholders_isEmpty() {
        assertEquals(List.of(), PipelineValidator.problems(Definitions.placeholder()));
    }

    @Test
    void problems_whenTuningStrategyIsRandom_isEmpty() {
        var definition = new LightGbmPipeline(PipelineSettings.placeholders(), TuningStrategy.RANDOM).definition();
        assertEquals(List.of(), PipelineValidator.problems(definition));
    }

    @Test
    void problems_whenReferenceDefinitionFromSdk_isEmpty() throws Exception {
        var reference = PipelineJson.mapper().readTree(Definitions.referenceDirectory()
                .resolve("pipeline-definition-examples/pipeline_definition.json").toFile());
        assertEquals(List.of(), PipelineValidator.problems(reference));
    }

    /** One reference in {@code step} misspelt: the one problem names the step and what the reference misses. */
    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            Evaluate | Steps.Tune.BestTrainingJob.TrainingJobName | Steps.Tunee.BestTrainingJob.TrainingJobName \
                | step Evaluate: Get Steps.Tunee.BestTrainingJob.TrainingJobName names no step
            Tune | Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri \
                | Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output.S3Uri \
                | step Tune: Get Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output.S3Uri names \
            output 'training', which step Preprocess does not declare (declared: [train, validation, test, baseline])
            Tune | Parameters.MaxTuningJobs | Parameters.MaxTuningJob \
                | step Tune: Get Parameters.MaxTuningJob names no declared parameter
            """)
    void problems_whenOneReferenceIsMisspelt_nameItsStepAndWhatItMisses(String step, String reference,
            String misspelt, String problem) {
        assertOnlyProblem(misspelling(step, reference, misspelt), problem);
    }

    /** As above, where the rest of the message lists what the validator knows (which may grow). */
    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', textBlock = """
            Deploy | Steps.Register.ModelPackageArn | Steps.Explain.ModelPackageArn \
                | step Deploy: Get Steps.Explain.ModelPackageArn names no property of a Processing step (known: 
            Evaluate | Execution.PipelineExecutionId | Execution.ExecutionId \
                | step Evaluate: Get Execution.ExecutionId names no execution variable
            """)
    void problems_whenOneReferenceNamesAnUnknownProperty_startWithItsStepAndTheReference(String step,
            String reference, String misspelt, String problemStart) {
        List<String> problems = PipelineValidator.problems(misspelling(step, reference, misspelt));

        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith(problemStart), problems.get(0));
    }

    @Test
    void failsValidation_whenJsonGetNamesUndeclaredPropertyFile_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        // Only the condition's own reference: the branch steps read the same report.
        Definitions.replaceText(Definitions.step(definition, "CheckF1").path("Arguments").path("Conditions"),
                "Steps.Evaluate.PropertyFiles.EvaluationReport", "Steps.Evaluate.PropertyFiles.EvaluationReprot");

        assertOnlyProblem(definition, "step CheckF1: Std:JsonGet Steps.Evaluate.PropertyFiles.EvaluationReprot names "
                + "property file EvaluationReprot, which step Evaluate does not declare "
                + "(declared: [EvaluationReport])");
    }

    @Test
    void validate_whenAReferenceIsMisspelt_throwsWithTheProblems() {
        ObjectNode definition = misspelling("Tune", "Parameters.MaxTuningJobs", "Parameters.MaxTuningJob");

        var failure = assertThrows(PipelineValidationException.class, () -> PipelineValidator.validate(definition));

        assertEquals(List.of("step Tune: Get Parameters.MaxTuningJob names no declared parameter"), failure.problems());
    }

    @Test
    void failsValidation_whenTwoStepsShareAName_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.step(definition, "F1BelowThreshold").put("Name", "Evaluate");

        assertOnlyProblem(definition, "step Evaluate: name is used by 2 steps; step names must be unique");
    }

    @Test
    void failsValidation_whenStepsFormACycle_namesTheSteps() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.step(definition, "Preprocess").putArray("DependsOn").add("Evaluate");

        assertOnlyProblem(definition, "step Preprocess: steps Preprocess -> Tune -> Evaluate -> Preprocess form a cycle, "
                + "so none of them can start");
    }

    @Test
    void failsValidation_whenElseBranchReadsIfBranchStep_namesTheBranch() {
        ObjectNode definition = Definitions.placeholderJson();
        ArrayNode message = (ArrayNode) Definitions.step(definition, "F1BelowThreshold")
                .path("Arguments").path("ErrorMessage").path("Std:Join").path("Values");
        message.addObject().put("Get", "Steps.Register.ModelPackageArn");

        assertOnlyProblem(definition, "step F1BelowThreshold: Get Steps.Register.ModelPackageArn names step Register, "
                + "which runs only in branch CheckBias (if) and so may not have run");
    }

    @Test
    void failsValidation_whenLambdaOutputIsNotDeclared_namesTheOutputParameter() {
        ObjectNode definition = Definitions.placeholderJson();
        ObjectNode notify = definition.objectNode();
        notify.put("Name", "Notify").put("Type", "Fail");
        notify.putObject("Arguments").putObject("ErrorMessage").put("Get", "Steps.Deploy.OutputParameters['state']");
        ((ArrayNode) Definitions.step(definition, "CheckBias").path("Arguments").path("IfSteps")).add(notify);

        assertOnlyProblem(definition, "step Notify: Get Steps.Deploy.OutputParameters['state'] names output parameter "
                + "'state', which step Deploy does not declare "
                + "(declared: [status, endpoint_name, endpoint_config_name])");
    }

    @Test
    void problems_whenSeveralThingsAreWrong_listsEveryOne() {
        ObjectNode definition = misspelling("Tune", "Parameters.MaxTuningJobs", "Parameters.MaxTuningJob");
        Definitions.replaceText(Definitions.step(definition, "Deploy"),
                "Steps.Register.ModelPackageArn", "Steps.Registr.ModelPackageArn");

        assertEquals(2, PipelineValidator.problems(definition).size());
    }

    @Test
    void problems_whenJsonGetReadsAnS3Uri_checksTheReferencesInTheUri() {
        ObjectNode definition = Definitions.placeholderJson();
        ObjectNode jsonGet = ((ArrayNode) Definitions.step(definition, "F1BelowThreshold")
                .path("Arguments").path("ErrorMessage").path("Std:Join").path("Values"))
                .addObject().putObject("Std:JsonGet");
        jsonGet.put("Path", "classification_metrics.f1.value");
        jsonGet.putObject("S3Uri").put("Get", "Steps.Evaluat.ProcessingOutputConfig.Outputs['evaluation'].S3Output.S3Uri");

        assertOnlyProblem(definition, "step F1BelowThreshold: Get Steps.Evaluat.ProcessingOutputConfig.Outputs['evaluation']"
                + ".S3Output.S3Uri names no step");
        assertEquals(List.of(), PipelineSchemaTest.errors(definition));
    }

    /** The placeholder definition with {@code reference} written as {@code misspelt} throughout step {@code step}. */
    private static ObjectNode misspelling(String step, String reference, String misspelt) {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, step), reference, misspelt);
        return definition;
    }

    private static void assertOnlyProblem(JsonNode definition, String problem) {
        assertEquals(List.of(problem), PipelineValidator.problems(definition));
    }
}
