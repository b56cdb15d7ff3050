package io.flowguard.model.checkpoint;

/**
 * Where a model's training data came from.
 *
 * @param source file, topic or window name
 * @param rows rows used for fitting
 * @param validationRows rows held out for early stopping and calibration
 * @param firstEvent ISO-8601 time of the window's first event, or null when the data has no times
 * @param lastEvent ISO-8601 time of the window's last event, or null
 */
public record TrainingWindow(String source, long rows, long validationRows, String firstEvent, String lastEvent) {}
