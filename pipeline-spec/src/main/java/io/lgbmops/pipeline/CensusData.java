package io.lgbmops.pipeline;

import java.util.List;
import java.util.stream.Stream;

/**
 * The columns the container's {@code preprocess} writes (label first, then the features in file
 * order) and the choices the Clarify checks make about them.
 */
public final class CensusData {

    public static final String LABEL = "income";

    /** Label value of the positive class ({@code >50K}). */
    public static final int POSITIVE_LABEL = 1;

    public static final List<String> FEATURES = List.of(
            "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
            "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country");

    /** Label then features: the column order of every CSV that preprocess writes. */
    public static final List<String> COLUMNS = Stream.concat(Stream.of(LABEL), FEATURES.stream()).toList();

    /**
     * Bias is measured across {@code sex}, a categorical string column, with {@code Female} as the
     * facet value: the group whose share of positive predictions is compared with everyone else's
     * (Male). The census labels already differ widely between the two (about 11% of women and 31%
     * of men earn >50K), which is exactly the gap a model can amplify.
     */
    public static final String FACET = "sex";
    public static final String FACET_VALUE = "Female";

    /**
     * The SHAP baseline: one synthetic record made of the median of every numeric feature and the
     * most frequent value of every categorical one over the whole census file (missing values
     * not counted). A test recomputes it from the data.
     */
    public static final List<Object> SHAP_BASELINE = List.of(
            37, "Private", 178356, "HS-grad", 10, "Married-civ-spouse", "Prof-specialty", "Husband",
            "White", "Male", 0, 0, 40, "United-States");

    private CensusData() {}
}
