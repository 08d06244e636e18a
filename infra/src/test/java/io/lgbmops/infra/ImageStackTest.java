package io.lgbmops.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lgbmops.infra.config.StageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class ImageStackTest {
    private static ImageStack stack;
    private static Template template;

    @BeforeAll
    static void synthesizeDevImage() {
        App app = TestApps.newApp();
        StageConfig dev = TestApps.config(app).stages().get(0);
        StorageStack storage = new StorageStack(app, dev.stackName("Storage"), null, LgbmOpsApp.storageProps(dev));
        stack = new ImageStack(app, dev.stackName("Image"), null,
                LgbmOpsApp.imageProps(dev, storage, new SourcePaths(TestApps.REPO_ROOT)));
        template = Template.fromStack(stack);
    }

    private static String tagOf(Path repoRoot) {
        App app = TestApps.newApp();
        StageConfig dev = TestApps.config(app).stages().get(0);
        StorageStack storage = new StorageStack(app, "S", null, LgbmOpsApp.storageProps(dev));
        return new ImageStack(app, "I", null, LgbmOpsApp.imageProps(dev, storage, new SourcePaths(repoRoot))).imageTag();
    }

    @Test
    void imageTag_followsTheContainerSourceContent() throws IOException {
        Path root = Files.createTempDirectory("repo-");
        Path container = Files.createDirectories(root.resolve("container"));
        Files.writeString(container.resolve("Dockerfile"), "FROM scratch\n");
        String first = tagOf(root);
        Files.createDirectories(container.resolve("tests"));
        Files.writeString(container.resolve("tests/test_x.py"), "def test(): pass\n");
        String withTests = tagOf(root);
        Files.writeString(container.resolve("Dockerfile"), "FROM scratch\nLABEL x=y\n");
        String changed = tagOf(root);

        assertEquals(first, withTests, "tests are not part of the image, so they must not change its tag");
        assertNotEquals(first, changed);
        assertTrue(first.matches("[0-9a-f]{32}"), first);
    }

    @Test
    void build_runsDockerInPrivilegedModeWithTheContentTag() {
        template.hasResourceProperties("AWS::CodeBuild::Project", Match.objectLike(Map.of(
                "Environment", Match.objectLike(Map.of(
                        "PrivilegedMode", true,
                        "EnvironmentVariables", Match.arrayWith(List.of(Map.of(
                                "Name", "IMAGE_TAG", "Type", "PLAINTEXT", "Value", stack.imageTag()))))),
                "Source", Match.objectLike(Map.of("Type", "S3")),
                "EncryptionKey", Match.anyValue())));
    }

    @Test
    void buildSpec_skipsTagsThatExistAndPushesOnlyAfterASuccessfulBuild() {
        String buildSpec = template.findResources("AWS::CodeBuild::Project", Map.of()).values().iterator().next().toString();

        assertTrue(buildSpec.contains("describe-images"), buildSpec);
        assertTrue(buildSpec.contains("CODEBUILD_BUILD_SUCCEEDING"), buildSpec);
        assertTrue(buildSpec.contains("docker push"), buildSpec);
    }

    @Test
    void deployment_waitsForTheBuildToFinish() {
        template.resourceCountIs("Custom::LightGbmImage", 1);
        // The custom resource framework polls the isComplete handler through a state machine.
        template.resourceCountIs("AWS::StepFunctions::StateMachine", 1);
        template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
                "Runtime", "python3.14",
                "Code", Map.of("ZipFile", Match.stringLikeRegexp("batch_get_builds")))));
    }

    @Test
    void imageUri_isOutputFromTheFinishedBuild() {
        template.hasOutput("ImageUri", Map.of("Value", Map.of("Fn::GetAtt", List.of(
                template.findResources("Custom::LightGbmImage", Map.of()).keySet().iterator().next(), "ImageUri"))));
    }

    @Test
    void buildLogs_areNamedUnderTheStagePrefixTheKeyPolicyAllows() {
        template.hasResourceProperties("AWS::Logs::LogGroup", Map.of(
                "LogGroupName", TestApps.config(TestApps.newApp()).stages().get(0).names().logGroupPrefix() + "image-build",
                "KmsKeyId", Map.of("Fn::ImportValue", Match.stringLikeRegexp("DataKey"))));
    }

    @Test
    void buildRole_mayPushOnlyToOurRepository() {
        template.hasResourceProperties("AWS::IAM::Policy", Map.of("PolicyDocument", Map.of("Statement", Match.arrayWith(List.of(
                Match.objectLike(Map.of(
                        "Action", Match.arrayWith(List.of("ecr:PutImage")),
                        "Resource", Map.of("Fn::ImportValue", Match.stringLikeRegexp("ImageRepositoryArn")))))))));
    }
}
