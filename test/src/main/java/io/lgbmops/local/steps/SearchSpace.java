package io.lgbmops.local.steps;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.services.sagemaker.model.CategoricalParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ContinuousParameterRange;
import software.amazon.awssdk.services.sagemaker.model.IntegerParameterRange;
import software.amazon.awssdk.services.sagemaker.model.ParameterRanges;

/**
 * The hyperparameter ranges of a tuning job and the values of its trials. Random and Bayesian both
 * sample uniformly at random here (Bayesian optimisation is SageMaker's service, not reproduced
 * locally), honouring each range's ScalingType; Grid enumerates the categorical values.
 */
final class SearchSpace {

    private static final MathContext DIGITS = new MathContext(8);

    private final ParameterRanges ranges;

    SearchSpace(ParameterRanges ranges) {
        this.ranges = ranges == null ? ParameterRanges.builder().build() : ranges;
        validate();
    }

    /** {@code count} trials' hyperparameters, the same for the same seed. */
    List<Map<String, String>> sample(String strategy, int count, long seed) {
        if ("Grid".equals(strategy)) {
            return grid(count);
        }
        Random random = new Random(seed);
        List<Map<String, String>> trials = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map<String, String> values = new LinkedHashMap<>();
            for (IntegerParameterRange range : ranges.integerParameterRanges()) {
                values.put(range.name(), Long.toString(integer(range, random)));
            }
            for (ContinuousParameterRange range : ranges.continuousParameterRanges()) {
                values.put(range.name(), plain(continuous(range, random)));
            }
            for (CategoricalParameterRange range : ranges.categoricalParameterRanges()) {
                values.put(range.name(), range.values().get(random.nextInt(range.values().size())));
            }
            trials.add(values);
        }
        return trials;
    }

    private List<Map<String, String>> grid(int count) {
        if (!ranges.integerParameterRanges().isEmpty() || !ranges.continuousParameterRanges().isEmpty()) {
            throw new IllegalArgumentException("the Grid strategy takes categorical ranges only");
        }
        List<Map<String, String>> trials = new ArrayList<>();
        trials.add(new LinkedHashMap<>());
        for (CategoricalParameterRange range : ranges.categoricalParameterRanges()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> partial : trials) {
                for (String value : range.values()) {
                    Map<String, String> extended = new LinkedHashMap<>(partial);
                    extended.put(range.name(), value);
                    next.add(extended);
                }
            }
            trials = next;
        }
        return trials.subList(0, Math.min(count, trials.size()));
    }

    private static long integer(IntegerParameterRange range, Random random) {
        long min = Long.parseLong(range.minValue());
        long max = Long.parseLong(range.maxValue());
        String scaling = range.scalingTypeAsString();
        if ("Logarithmic".equals(scaling)) {
            double value = Math.exp(uniform(Math.log(min), Math.log(max + 1.0), random));
            return Math.min(max, Math.max(min, (long) Math.floor(value)));
        }
        return min + (long) Math.floor(random.nextDouble() * (max - min + 1));
    }

    private static double continuous(ContinuousParameterRange range, Random random) {
        double min = Double.parseDouble(range.minValue());
        double max = Double.parseDouble(range.maxValue());
        String scaling = range.scalingTypeAsString();
        if ("Logarithmic".equals(scaling)) {
            return Math.exp(uniform(Math.log(min), Math.log(max), random));
        }
        if ("ReverseLogarithmic".equals(scaling)) {
            return 1 - Math.exp(uniform(Math.log(1 - max), Math.log(1 - min), random));
        }
        return uniform(min, max, random);
    }

    private static double uniform(double low, double high, Random random) {
        return low + random.nextDouble() * (high - low);
    }

    private static String plain(double value) {
        return new BigDecimal(value).round(DIGITS).stripTrailingZeros().toPlainString();
    }

    /** The checks CreateHyperParameterTuningJob does on ranges, with its messages' substance. */
    private void validate() {
        for (IntegerParameterRange range : ranges.integerParameterRanges()) {
            long min = parseLong(range.name(), range.minValue());
            long max = parseLong(range.name(), range.maxValue());
            requireOrdered(range.name(), min, max);
            if ("Logarithmic".equals(range.scalingTypeAsString()) && min <= 0) {
                throw new IllegalArgumentException("range " + range.name() + ": Logarithmic scaling needs MinValue > 0, got " + min);
            }
            if ("ReverseLogarithmic".equals(range.scalingTypeAsString())) {
                throw new IllegalArgumentException("range " + range.name() + ": ReverseLogarithmic is for continuous ranges only");
            }
        }
        for (ContinuousParameterRange range : ranges.continuousParameterRanges()) {
            double min = parseDouble(range.name(), range.minValue());
            double max = parseDouble(range.name(), range.maxValue());
            requireOrdered(range.name(), min, max);
            if ("Logarithmic".equals(range.scalingTypeAsString()) && min <= 0) {
                throw new IllegalArgumentException("range " + range.name() + ": Logarithmic scaling needs MinValue > 0, got " + min);
            }
            if ("ReverseLogarithmic".equals(range.scalingTypeAsString()) && !(min >= 0 && max < 1)) {
                throw new IllegalArgumentException("range " + range.name() + ": ReverseLogarithmic scaling needs 0 <= MinValue and MaxValue < 1");
            }
        }
        for (CategoricalParameterRange range : ranges.categoricalParameterRanges()) {
            if (range.values().isEmpty()) {
                throw new IllegalArgumentException("range " + range.name() + " has no Values");
            }
        }
    }

    private static void requireOrdered(String name, double min, double max) {
        if (min > max) {
            throw new IllegalArgumentException("range " + name + ": MinValue " + min + " exceeds MaxValue " + max);
        }
    }

    private static long parseLong(String name, String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("range " + name + ": '" + text + "' is not an integer", e);
        }
    }

    private static double parseDouble(String name, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("range " + name + ": '" + text + "' is not a number", e);
        }
    }
}
