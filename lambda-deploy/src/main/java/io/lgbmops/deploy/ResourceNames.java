package io.lgbmops.deploy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deterministic names of the model and endpoint config of one deployment:
 * {@code <prefix>-v<package version>-<8 hex of SHA-256 over the inputs>}. The same inputs
 * always give the same names, so a redelivered event finds what an earlier delivery created
 * instead of creating twins; different inputs (another package, instance type, KMS key...)
 * give different names, so an endpoint config is never changed in place.
 *
 * <p>The prefix is the endpoint name, cut to leave room for a six-digit version and the hash,
 * so every name fits SageMaker's 63 characters and pattern.
 */
public final class ResourceNames {

    static final int MAX_NAME_LENGTH = 63;
    static final int MAX_VERSION_DIGITS = 6;
    private static final int HASH_LENGTH = 8;
    private static final int SUFFIX_LENGTH = "-v".length() + MAX_VERSION_DIGITS + 1 + HASH_LENGTH;

    private final String prefix;
    private final Pattern ours;

    public ResourceNames(String endpointName) {
        String cut = endpointName.length() > MAX_NAME_LENGTH - SUFFIX_LENGTH
                ? endpointName.substring(0, MAX_NAME_LENGTH - SUFFIX_LENGTH)
                : endpointName;
        this.prefix = cut.replaceAll("-+$", "");
        this.ours = Pattern.compile("^" + Pattern.quote(prefix) + "-v(\\d{1," + MAX_VERSION_DIGITS + "})-[0-9a-f]{"
                + HASH_LENGTH + "}$");
    }

    public String prefix() {
        return prefix;
    }

    /** Name of a resource for package version {@code version} built from {@code inputs}. */
    public String name(int version, String... inputs) {
        if (version < 1 || String.valueOf(version).length() > MAX_VERSION_DIGITS) {
            throw new IllegalArgumentException("model package version must be in [1, 999999], got " + version);
        }
        return prefix + "-v" + version + "-" + hash(inputs);
    }

    /** The package version encoded in one of our names, or empty for any other name. */
    public OptionalInt versionOf(String name) {
        if (name == null) {
            return OptionalInt.empty();
        }
        Matcher m = ours.matcher(name);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    public boolean isOurs(String name) {
        return versionOf(name).isPresent();
    }

    private static String hash(String... inputs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String input : inputs) {
                sha.update((input == null ? "" : input).getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, HASH_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
