package io.lgbmops.pipeline.deploy;

import java.util.regex.Pattern;

/**
 * The value tests the pipeline's settings and the deploy function's share. Each caller words its
 * own message (a list of problems, or the environment variable at fault); what a valid value is
 * lives here. Plain Java, since the Lambda jar ships this package.
 */
public final class Checks {

    /** S3's bucket naming rule: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
    private static final String BUCKET_NAME = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
    public static final Pattern BUCKET = Pattern.compile("^" + BUCKET_NAME + "$");

    private Checks() {}

    /** {@code s3://<bucket>} followed by what {@code keyRegex} allows (e.g. {@code (/.*)?}). */
    public static Pattern s3Uri(String keyRegex) {
        return Pattern.compile("^s3://" + BUCKET_NAME + keyRegex + "$");
    }

    /** A CDK token string ({@code ${Token[...]}}), which CloudFormation resolves at deployment. */
    public static boolean isUnresolved(String value) {
        return value.contains("${Token[");
    }

    /** Set, and matching {@code pattern} unless it is a token: the resolved value is not known at synth. */
    public static boolean matchesOrUnresolved(String value, Pattern pattern) {
        return value != null && (isUnresolved(value) || pattern.matcher(value).matches());
    }

    /** {@code value} within [min, max]. */
    public static boolean inRange(int value, int min, int max) {
        return value >= min && value <= max;
    }

    /** {@code value} within [min, max]; NaN is not. */
    public static boolean inRange(double value, double min, double max) {
        return value >= min && value <= max;
    }
}
