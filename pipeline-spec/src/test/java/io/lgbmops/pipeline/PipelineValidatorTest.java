package io.lgbmops.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

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

    @Test
    void failsValidation_whenGetNamesMissingStep_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Evaluate"),
                "Steps.Tune.BestTrainingJob.TrainingJobName", "Steps.Tunee.BestTrainingJob.TrainingJobName");

        var failure = assertThrows(PipelineValidationException.class, () -> PipelineValidator.validate(definition));

        assertEquals(List.of("step Evaluate: Get Steps.Tunee.BestTrainingJob.TrainingJobName names no step"),
                failure.problems());
    }

    @Test
    void failsValidation_whenJsonGetNamesUndeclaredPropertyFile_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "CheckF1").path("Arguments").path("Conditions"),
                "Steps.Evaluate.PropertyFiles.EvaluationReport", "Steps.Evaluate.PropertyFiles.EvaluationReprot");

        assertEquals(List.of("step CheckF1: Std:JsonGet Steps.Evaluate.PropertyFiles.EvaluationReprot names "
                        + "property file EvaluationReprot, which step Evaluate does not declare "
                        + "(declared: [EvaluationReport])"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenTwoStepsShareAName_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.step(definition, "F1BelowThreshold").put("Name", "Evaluate");

        assertEquals(List.of("step Evaluate: name is used by 2 steps; step names must be unique"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenGetNamesPropertyTheStepTypeLacks_namesTheStepAndType() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Deploy"),
                "Steps.Register.ModelPackageArn", "Steps.Explain.ModelPackageArn");

        List<String> problems = PipelineValidator.problems(definition);
        assertEquals(1, problems.size(), problems::toString);
        assertTrue(problems.get(0).startsWith("step Deploy: Get Steps.Explain.ModelPackageArn names no property of a "
                + "Processing step (known: "), problems.get(0));
    }

    @Test
    void failsValidation_whenGetNamesUndeclaredProcessingOutput_namesTheOutput() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Tune"),
                "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
                "Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output.S3Uri");

        assertEquals(List.of("step Tune: Get Steps.Preprocess.ProcessingOutputConfig.Outputs['training'].S3Output"
                        + ".S3Uri names output 'training', which step Preprocess does not declare "
                        + "(declared: [train, validation, test, baseline])"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenStepsFormACycle_namesTheSteps() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.step(definition, "Preprocess").putArray("DependsOn").add("Evaluate");

        assertEquals(List.of("step Preprocess: steps Preprocess -> Tune -> Evaluate -> Preprocess form a cycle, "
                        + "so none of them can start"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenGetNamesUndeclaredParameter_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Tune"),
                "Parameters.MaxTuningJobs", "Parameters.MaxTuningJob");

        assertEquals(List.of("step Tune: Get Parameters.MaxTuningJob names no declared parameter"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenElseBranchReadsIfBranchStep_namesTheBranch() {
        ObjectNode definition = Definitions.placeholderJson();
        ArrayNode message = (ArrayNode) Definitions.step(definition, "F1BelowThreshold")
                .path("Arguments").path("ErrorMessage").path("Std:Join").path("Values");
        message.addObject().put("Get", "Steps.Register.ModelPackageArn");

        assertEquals(List.of("step F1BelowThreshold: Get Steps.Register.ModelPackageArn names step Register, "
                        + "which runs only in branch CheckBias (if) and so may not have run"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenLambdaOutputIsNotDeclared_namesTheOutputParameter() {
        ObjectNode definition = Definitions.placeholderJson();
        ObjectNode notify = definition.objectNode();
        notify.put("Name", "Notify").put("Type", "Fail");
        notify.putObject("Arguments").putObject("ErrorMessage").put("Get", "Steps.Deploy.OutputParameters['state']");
        ((ArrayNode) Definitions.step(definition, "CheckBias").path("Arguments").path("IfSteps")).add(notify);

        assertEquals(List.of("step Notify: Get Steps.Deploy.OutputParameters['state'] names output parameter "
                        + "'state', which step Deploy does not declare "
                        + "(declared: [status, endpoint_name, endpoint_config_name])"),
                PipelineValidator.problems(definition));
    }

    @Test
    void failsValidation_whenExecutionVariableIsUnknown_namesTheStep() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Evaluate"),
                "Execution.PipelineExecutionId", "Execution.ExecutionId");

        assertTrue(PipelineValidator.problems(definition).get(0)
                .startsWith("step Evaluate: Get Execution.ExecutionId names no execution variable"));
    }

    @Test
    void problems_whenSeveralThingsAreWrong_listsEveryOne() {
        ObjectNode definition = Definitions.placeholderJson();
        Definitions.replaceText(Definitions.step(definition, "Tune"),
                "Parameters.MaxTuningJobs", "Parameters.MaxTuningJob");
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

        assertEquals(List.of("step F1BelowThreshold: Get Steps.Evaluat.ProcessingOutputConfig.Outputs['evaluation']"
                        + ".S3Output.S3Uri names no step"),
                PipelineValidator.problems(definition));
        assertEquals(List.of(), PipelineSchemaTest.errors(definition));
    }
}
