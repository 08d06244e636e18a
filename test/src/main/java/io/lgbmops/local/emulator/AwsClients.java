package io.lgbmops.local.emulator;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sagemaker.SageMakerClient;

/**
 * SDK clients for the local AWS API emulator: fixed region and dummy credentials, and an endpoint
 * that must be on the loopback interface, so a run can never reach a real account.
 */
public final class AwsClients implements AutoCloseable {

    public static final Region REGION = Region.US_EAST_1;
    /** moto's default account; ARNs the emulator returns carry it. */
    public static final String ACCOUNT_ID = "123456789012";
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_KEY = "testing";

    private final URI endpoint;
    private final SdkHttpClient http;
    private final S3Client s3;
    private final SageMakerClient sageMaker;

    public AwsClients(URI endpoint) {
        this.endpoint = requireLoopback(endpoint);
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(5))
                .socketTimeout(Duration.ofSeconds(60))
                .build();
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY));
        var overrides = ClientOverrideConfiguration.builder()
                .apiCallTimeout(Duration.ofMinutes(2))
                .apiCallAttemptTimeout(Duration.ofSeconds(60))
                .build();
        this.s3 = S3Client.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(overrides)
                .forcePathStyle(true)
                .build();
        this.sageMaker = SageMakerClient.builder()
                .endpointOverride(endpoint)
                .region(REGION)
                .credentialsProvider(credentials)
                .httpClient(http)
                .overrideConfiguration(overrides)
                .build();
    }

    public static URI requireLoopback(URI endpoint) {
        String host = endpoint.getHost();
        if (host == null || !(host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]"))) {
            throw new IllegalArgumentException("the emulator endpoint must be on 127.0.0.1, got " + endpoint);
        }
        return endpoint;
    }

    URI endpoint() {
        return endpoint;
    }

    public S3Client s3() {
        return s3;
    }

    public SageMakerClient sageMaker() {
        return sageMaker;
    }

    @Override
    public void close() {
        s3.close();
        sageMaker.close();
        http.close();
    }
}
