package org.edgetrain.compute.faults;

import java.util.List;

/**
 * What one fault scenario measured (the JSON of {@code bench faults} holds a list of these as {@code scenarios}).
 *
 * @param name scenario name
 * @param devices device classes at the start
 * @param detectionSeconds mean over the injections of the time from the fault to the fleet noticing it (the device
 *     failed, left or joined in the topology)
 * @param recoverySeconds mean over the injections of the time from the fault to the next committed round after it was
 *     noticed (or to the job's end, when it ended before another round)
 * @param lostCommittedRounds committed model versions that were later lost (0 when no commit was ever undone)
 * @param forks committed versions with a stranger parent or two weight checksums ({@code ModelHistory}): two
 *     coordinators committed over each other
 * @param lostSamples samples trained but not committed: refused results, and the planned work of devices whose result
 *     never came
 * @param exactlyOnce every sample visited exactly once per completed epoch: the model's committed samples = epochs x
 *     data, and, when the fleet keeps the trained-samples log, the per-sample audit found no sample lost or doubled
 * @param neverTrained samples of a finished epoch that no committed model was trained on ({@link SampleAudit}; -1
 *     without the log)
 * @param trainedTwice sample visits beyond the first within an epoch, in committed models (-1 without the log)
 * @param sampleFindings the audit's epochs with a sample lost or doubled (with example ids), and accepted answers
 *     missing from the log; empty for a sound run or without the log
 * @param metricsComplete the ROUNDS table's committed samples agree: no round's metrics row was lost (a coordinator
 *     that dies holding rows it could not write yet loses them; the commits stand)
 * @param partitionsLost PARTITIONS_LOST events during the job (0 expected while each partition kept a live copy)
 * @param accuracyDelta final test accuracy minus the undisturbed run's (0 for the undisturbed run itself)
 * @param accuracy final test accuracy
 * @param imagesPerSecond committed samples over the job's wall-clock time
 * @param seconds the job's wall-clock time
 * @param injections one line per injected fault
 * @param throughput per committed round: seconds since the job started, and that round's images/s
 */
public record ScenarioResult(String name, List<String> devices, double detectionSeconds, double recoverySeconds,
                             long lostCommittedRounds, long forks, long lostSamples, boolean exactlyOnce,
                             long neverTrained, long trainedTwice, List<String> sampleFindings,
                             boolean metricsComplete,
                             long partitionsLost,
                             double accuracyDelta,
                             double accuracy, double imagesPerSecond, double seconds, List<InjectionResult> injections,
                             List<double[]> throughput) {
    /**
     * One injected fault.
     *
     * @param fault what was injected, and when
     * @param device the device hit (or the one that joined)
     * @param atSeconds when, in seconds since the job started
     * @param detectionSeconds fault to the fleet noticing it
     * @param recoverySeconds fault to the next committed round after that
     * @param forcedKill true when a graceful leave hung and the device had to be killed
     */
    public record InjectionResult(String fault, String device, double atSeconds, double detectionSeconds,
                                  double recoverySeconds, boolean forcedKill) {
    }
}
