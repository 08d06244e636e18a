package io.lgbmops.deploy;

import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;
import software.amazon.awssdk.services.sagemaker.model.DescribeModelPackageResponse;
import software.amazon.awssdk.services.sagemaker.model.MetricsSource;
import software.amazon.awssdk.services.sagemaker.model.ModelApprovalStatus;
import software.amazon.awssdk.services.sagemaker.model.ModelMetrics;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageContainerDefinition;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageSortBy;
import software.amazon.awssdk.services.sagemaker.model.ModelPackageSummary;
import software.amazon.awssdk.services.sagemaker.model.SortOrder;

/**
 * {@code resolve-package}: the Approved model package a pipeline should use (the one it names, or
 * the group's latest Approved version), with its container and report locations. Read-only: it
 * calls ListModelPackages and DescribeModelPackage, nothing else.
 */
final class PackageResolver {

    private final SageMakerClient sageMaker;

    PackageResolver(SageMakerClient sageMaker) {
        this.sageMaker = sageMaker;
    }

    /**
     * @throws DeployFailedException when the request is {@code required} and there is no Approved
     *                               package to use; the message names the group
     */
    ResolvedPackage resolve(ResolvePackageRequest request) {
        String group = request.modelPackageGroup();
        Optional<DescribeModelPackageResponse> pkg;
        String reason;
        if (request.modelPackageArn().isPresent()) {
            String arn = request.modelPackageArn().get();
            pkg = describe(arn);
            reason = pkg.isEmpty() ? "model package " + arn + " does not exist"
                    : !group.equals(pkg.get().modelPackageGroupName())
                            ? "model package " + arn + " is not in group " + group
                            : pkg.get().modelApprovalStatus() != ModelApprovalStatus.APPROVED
                                    ? "model package " + arn + " of group " + group + " is "
                                            + pkg.get().modelApprovalStatusAsString() + ", not Approved"
                                    : null;
        } else {
            pkg = latestApproved(group).flatMap(summary -> describe(summary.modelPackageArn()));
            reason = pkg.isEmpty() ? "no Approved model package in group " + group : null;
        }
        if (reason != null) {
            if (request.required()) {
                throw new DeployFailedException("resolve-package: " + reason, null);
            }
            return ResolvedPackage.notFound(request.missingReportUri(), reason);
        }
        return found(pkg.get(), request);
    }

    private static ResolvedPackage found(DescribeModelPackageResponse pkg, ResolvePackageRequest request) {
        List<ModelPackageContainerDefinition> containers = pkg.inferenceSpecification() == null
                ? List.of() : pkg.inferenceSpecification().containers();
        if (containers.size() != 1) {
            // Batch scoring builds one model from one image and one artefact; a package is usable only as such.
            throw new DeployFailedException("resolve-package: model package " + pkg.modelPackageArn() + " has "
                    + containers.size() + " inference containers; exactly one is expected", null);
        }
        ModelPackageContainerDefinition container = containers.get(0);
        ModelMetrics metrics = pkg.modelMetrics();
        String missing = request.missingReportUri();
        String bias = metrics == null || metrics.bias() == null ? null
                : firstUri(metrics.bias().postTrainingReport(), metrics.bias().report());
        String explainability = metrics == null || metrics.explainability() == null ? null
                : firstUri(metrics.explainability().report());
        String evaluation = metrics == null || metrics.modelQuality() == null ? null
                : firstUri(metrics.modelQuality().statistics());
        return new ResolvedPackage(true, pkg.modelPackageArn(), orEmpty(container.modelDataUrl()),
                orEmpty(container.image()), bias == null ? missing : bias,
                explainability == null ? missing : explainability, evaluation == null ? missing : evaluation,
                "model package version " + pkg.modelPackageVersion() + " of group " + pkg.modelPackageGroupName()
                        + (request.modelPackageArn().isPresent() ? ", as named" : ", the latest Approved"));
    }

    private Optional<ModelPackageSummary> latestApproved(String group) {
        // Versions are numbered in creation order, so the newest Approved one is the first of this listing.
        return AwsCalls.call("list Approved model packages of group " + group, () -> sageMaker.listModelPackages(r -> r
                .modelPackageGroupName(group)
                .modelApprovalStatus(ModelApprovalStatus.APPROVED)
                .sortBy(ModelPackageSortBy.CREATION_TIME)
                .sortOrder(SortOrder.DESCENDING)
                .maxResults(1)))
                .modelPackageSummaryList().stream().findFirst();
    }

    private Optional<DescribeModelPackageResponse> describe(String arn) {
        return AwsCalls.describe("describe model package " + arn,
                () -> sageMaker.describeModelPackage(r -> r.modelPackageName(arn)));
    }

    private static String firstUri(MetricsSource... sources) {
        for (MetricsSource source : sources) {
            if (source != null && source.s3Uri() != null && !source.s3Uri().isBlank()) {
                return source.s3Uri();
            }
        }
        return null;
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}
