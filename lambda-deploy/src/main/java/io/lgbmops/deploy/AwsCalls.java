package io.lgbmops.deploy;

import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** Every SDK call of the function goes through one of these, so each failure becomes one of our errors. */
final class AwsCalls {

    private AwsCalls() {}

    static <T> T call(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw AwsErrors.map(action, e);
        }
    }

    /** A describe or read whose "not found" answer is a normal outcome. */
    static <T> Optional<T> describe(String action, Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (AwsServiceException e) {
            if (AwsErrors.isNotFound(e)) {
                return Optional.empty();
            }
            throw AwsErrors.map(action, e);
        } catch (SdkException e) {
            throw AwsErrors.map(action, e);
        }
    }
}
