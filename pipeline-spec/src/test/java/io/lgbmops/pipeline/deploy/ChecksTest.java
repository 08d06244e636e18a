package io.lgbmops.pipeline.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ChecksTest {

    @ParameterizedTest
    @CsvSource({
            "lgbmops-write-111122223333, true",
            "my.bucket, true",
            "ab, false",
            "Upper-case, false",
            "-starts-with-hyphen, false",
            "ends-with-dot., false"})
    void bucket_followsS3sNamingRule(String name, boolean valid) {
        assertEquals(valid, Checks.BUCKET.matcher(name).matches(), name);
    }

    @ParameterizedTest
    @CsvSource({
            "s3://bucket-a, true",
            "s3://bucket-a/, true",
            "s3://bucket-a/data/part 1.csv, false",
            "s3://BUCKET/data, false",
            "https://bucket-a/data, false"})
    void s3Uri_checksTheBucketAndLeavesTheKeyToItsRegex(String uri, boolean valid) {
        assertEquals(valid, Checks.s3Uri("(/[^\\s]*)?").matcher(uri).matches(), uri);
    }

    @ParameterizedTest
    @CsvSource({
            "'${Token[TOKEN.12]}', true",
            "ml.m5.large, true",
            "m5.large, false"})
    void matchesOrUnresolved_passesTokensUnchecked(String value, boolean valid) {
        assertEquals(valid, Checks.matchesOrUnresolved(value, Pattern.compile("^ml\\.[a-z0-9]+\\.[a-z0-9]+$")), value);
    }

    @ParameterizedTest
    @CsvSource({"0, true", "1, true", "0.5, true", "-0.01, false", "1.01, false", "NaN, false"})
    void inRange_includesBothEnds_andRejectsNaN(double value, boolean within) {
        assertEquals(within, Checks.inRange(value, 0, 1));
    }
}
