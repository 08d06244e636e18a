package io.lgbmops.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.applicationautoscaling.ApplicationAutoScalingClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * The four SDK clients, sharing one URLConnection HTTP client (no Netty, no Apache), with
 * bounded calls and the SDK's standard retry strategy (3 attempts, jittered backoff, throttling
 * and 5xx retried).
 *
 * <p>Endpoints: with no explicit override the SDK itself honours {@code AWS_ENDPOINT_URL} (and
 * {@code AWS_ENDPOINT_URL_<SERVICE>}, {@code aws.endpointUrl}), which is how {@link LocalInvoke}
 * reaches the emulator. S3 then needs path-style addressing, since a bucket cannot be a
 * subdomain of 127.0.0.1.
 */
public record AwsClients(SageMakerClient sageMaker, S3Client s3, ApplicationAutoScalingClient autoscaling,
        CloudWatchClient cloudWatch, SdkHttpClient http) implements AutoCloseable {

    static final Duration API_CALL_TIMEOUT = Duration.ofSeconds(30);
    static final Duration API_CALL_ATTEMPT_TIMEOUT = Duration.ofSeconds(8);
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final int READ_TIMEOUT_MILLIS = 8_000;

    /** Region, credentials and endpoint from the standard environment (Lambda's, or the local runner's). */
    public static AwsClients fromEnvironment() {
        return build(null, null, null, endpointConfiguredOutside());
    }

    /** Explicit endpoint, region and credentials: tests point these at the emulator. */
    public static AwsClients forEndpoint(URI endpoint, Region region, AwsCredentialsProvider credentials) {
        return build(endpoint, region, credentials, true);
    }

    private static AwsClients build(URI endpoint, Region region, AwsCredentialsProvider credentials,
            boolean pathStyle) {
        SdkHttpClient http = UrlConnectionHttpClient.create(AwsClients::openConnection);
        ClientOverrideConfiguration override = ClientOverrideConfiguration.builder()
                .apiCallTimeout(API_CALL_TIMEOUT)
                .apiCallAttemptTimeout(API_CALL_ATTEMPT_TIMEOUT)
                .retryStrategy(RetryMode.STANDARD)
                .build();
        SageMakerClient sageMaker = configure(SageMakerClient.builder(), endpoint, region, credentials)
                .httpClient(http).overrideConfiguration(override).build();
        S3Client s3 = configure(S3Client.builder(), endpoint, region, credentials)
                .forcePathStyle(pathStyle)
                .httpClient(http).overrideConfiguration(override).build();
        ApplicationAutoScalingClient autoscaling =
                configure(ApplicationAutoScalingClient.builder(), endpoint, region, credentials)
                        .httpClient(http).overrideConfiguration(override).build();
        CloudWatchClient cloudWatch = configure(CloudWatchClient.builder(), endpoint, region, credentials)
                .httpClient(http).overrideConfiguration(override).build();
        return new AwsClients(sageMaker, s3, autoscaling, cloudWatch, http);
    }

    /**
     * Plain {@link HttpURLConnection}s with our timeouts. Unlike the builder, this does not build an
     * SSLContext up front (about 140 ms of a cold start): TLS is set up by the JDK on the first HTTPS
     * connection, with the JDK's default trust store and hostname verification, and primed before a
     * SnapStart checkpoint by {@link DeployHandler#prime()}.
     */
    private static HttpURLConnection openConnection(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            return connection;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a connection to " + uri, e);
        }
    }

    private static <B extends AwsClientBuilder<B, ?>> B configure(B builder, URI endpoint, Region region,
            AwsCredentialsProvider credentials) {
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        if (region != null) {
            builder.region(region);
        }
        if (credentials != null) {
            builder.credentialsProvider(credentials);
        }
        return builder;
    }

    private static boolean endpointConfiguredOutside() {
        return notBlank(System.getenv("AWS_ENDPOINT_URL")) || notBlank(System.getenv("AWS_ENDPOINT_URL_S3"))
                || notBlank(System.getProperty("aws.endpointUrl")) || notBlank(System.getProperty("aws.endpointUrlS3"));
    }

    private static boolean notBlank(String value) {
        return value != null && !value.isBlank();
    }

    @Override
    public void close() {
        sageMaker.close();
        s3.close();
        autoscaling.close();
        cloudWatch.close();
        http.close();
    }
}
