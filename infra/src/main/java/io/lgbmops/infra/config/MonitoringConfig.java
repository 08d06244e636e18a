package io.lgbmops.infra.config;

import io.lgbmops.pipeline.deploy.DeploySettings;
import io.lgbmops.pipeline.deploy.DeploySettings.Setting;

import java.util.regex.Pattern;

/**
 * How a stage watches its live model: the share of requests its endpoint captures, when and over
 * which window the monitoring pipeline checks them, the drift limits its alarms use, and whether
 * drift retrains.
 *
 * @param dataCapturePercent      share of requests (and answers) the endpoint keeps, in [0, 100] (default 20);
 *                                0: no capture and no monitoring for the stage
 * @param schedule                EventBridge Scheduler expression of the check (default rate(1 day))
 * @param windowHours             hours of captures one check reads, in [1, 24] (default 24); the schedule
 *                                should run once per window, the alarms' period is the window
 * @param minCapturedRows         fewer rows in a window: a report that says so and no drift figures (default 200)
 * @param maxFeaturePsi           alarm limit of the largest per-feature PSI, in (0, 10] (default 0.2)
 * @param maxPredictionPsi        alarm limit of the prediction-score PSI, in (0, 10] (default 0.2)
 * @param driftEvaluationPeriods  consecutive windows above a limit before the alarm fires, in [1, 7] (default 2)
 * @param retrainOnDrift          a drift alarm starts the training pipeline (default false)
 * @param retrainMinHours         no retraining while the training pipeline started less than this many hours
 *                                ago, in [1, 720] (default 24)
 */
public record MonitoringConfig(
        int dataCapturePercent,
        String schedule,
        int windowHours,
        int minCapturedRows,
        double maxFeaturePsi,
        double maxPredictionPsi,
        int driftEvaluationPeriods,
        boolean retrainOnDrift,
        int retrainMinHours) {

    /** rate(N unit) or cron(...) as EventBridge Scheduler takes them (at(...) runs once: not a schedule). */
    static final Pattern SCHEDULE = Pattern.compile("^(rate\\(\\d{1,4} (minute|minutes|hour|hours|day|days)\\)|cron\\([^()]+\\))$");

    /** Whether the stage captures requests and so runs the monitoring pipeline. */
    public boolean enabled() {
        return dataCapturePercent > 0;
    }

    static MonitoringConfig fromContext(ContextReader in) {
        int percent = in.integer(Setting.DATA_CAPTURE_SAMPLING_PERCENT.stageKey(), 20, 0, 100);
        String schedule = in.matching("monitorSchedule", "rate(1 day)", SCHEDULE,
                "an EventBridge Scheduler expression such as rate(1 day) or cron(0 6 * * ? *)");
        int windowHours = in.integer("monitorWindowHours", 24, 1, 24);
        int minRows = in.integer("monitorMinCapturedRows", 200, 1, 100_000_000);
        double maxFeaturePsi = psi(in, "maxFeaturePsi");
        double maxPredictionPsi = psi(in, "maxPredictionPsi");
        // At most 7 windows of at most 24 hours: within the 7 days CloudWatch evaluates an alarm over.
        int periods = in.integer("driftEvaluationPeriods", 2, 1, 7);
        boolean retrain = in.bool("retrainOnDrift", false);
        int retrainMinHours = in.integer(Setting.RETRAIN_MIN_HOURS.stageKey(), DeploySettings.DEFAULT_RETRAIN_MIN_HOURS, 1, 720);
        if (retrain && percent == 0) {
            throw new ConfigException(in.path("retrainOnDrift") + " needs dataCapturePercent above 0: without captures"
                    + " nothing is monitored, got dataCapturePercent 0");
        }
        return new MonitoringConfig(percent, schedule, windowHours, minRows, maxFeaturePsi, maxPredictionPsi, periods,
                retrain, retrainMinHours);
    }

    private static double psi(ContextReader in, String key) {
        double value = in.decimal(key, 0.2);
        if (!(value > 0 && value <= 10)) {
            throw new ConfigException(in.path(key) + " must be in (0, 10], got " + value);
        }
        return value;
    }
}
