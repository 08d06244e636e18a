package io.lgbmops.deploy;

import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The one place where SDK exceptions become domain errors. By the time an exception reaches
 * here the SDK's standard retry strategy has already retried throttling, 5xx and I/O errors.
 */
final class AwsErrors {

    private static final Set<String> TRANSIENT_CODES = Set.of(
            "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
            "ConcurrentUpdateException", "InternalFailure", "InternalServerError", "ServiceUnavailable",
            "SlowDown", "RequestTimeout");

    private AwsErrors() { }

    /** Maps a failed call; {@code action} says what was being done, for the message. */
    static DeployException map(String action, SdkException e) {
        if (e instanceof SdkClientException) {
            return new RetryableDeployException(action + " failed on the client side (network, timeout): "
                    + e.getMessage(), e);
        }
        if (e instanceof AwsServiceException service) {
            if (isTransient(service)) {
                return new RetryableDeployException(action + " was throttled or hit a service error after retries: "
                        + describe(service), e);
            }
            if (isEndpointBusy(service)) {
                return new RetryableDeployException(action + " found the endpoint busy (an update or an autoscaling "
                        + "activity is in progress); nothing was changed, deliver the event again: " + describe(service), e);
            }
            if (isAlreadyExists(service)) {
                return new RetryableDeployException(action + " raced with a concurrent invocation: "
                        + describe(service), e);
            }
            return new DeployFailedException(action + " was rejected: " + describe(service), e);
        }
        return new RetryableDeployException(action + " failed: " + e.getMessage(), e);
    }

    static boolean isTransient(AwsServiceException e) {
        return e.isThrottlingException() || e.statusCode() >= 500 || TRANSIENT_CODES.contains(code(e));
    }

    /** SageMaker answers a describe of a missing resource with a ValidationException. */
    static boolean isNotFound(AwsServiceException e) {
        String code = code(e);
        String message = message(e);
        return "ResourceNotFound".equals(code) || "ObjectNotFoundException".equals(code)
                || "NoSuchKey".equals(code) || e.statusCode() == 404
                || ("ValidationException".equals(code)
                        && (message.contains("could not find") || message.contains("does not exist")
                                || message.contains("not found")));
    }

    /**
     * SageMaker refuses to change an endpoint while another change runs: UpdateEndpoint,
     * UpdateEndpointWeightsAndCapacities and DeleteEndpoint answer ValidationException
     * "Cannot update in-progress endpoint" (or "...delete in-progress..."), e.g. when an autoscaling
     * activity started between our DescribeEndpoint and the call; other SageMaker operations answer
     * ResourceInUse ("Resource being accessed is in use"). Both pass once the other change is done.
     */
    static boolean isEndpointBusy(AwsServiceException e) {
        String code = code(e);
        return "ResourceInUse".equals(code)
                || ("ValidationException".equals(code) && message(e).contains("in-progress endpoint"));
    }

    static boolean isAlreadyExists(AwsServiceException e) {
        return "ValidationException".equals(code(e)) && message(e).contains("already exist");
    }

    private static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
                ? "" : e.awsErrorDetails().errorCode();
    }

    private static String message(AwsServiceException e) {
        String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return (message == null ? String.valueOf(e.getMessage()) : message).toLowerCase(Locale.ROOT);
    }

    private static String describe(AwsServiceException e) {
        return code(e) + " (HTTP " + e.statusCode() + "): "
                + (e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage());
    }
}
