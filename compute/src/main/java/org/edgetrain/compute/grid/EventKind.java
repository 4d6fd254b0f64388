package org.edgetrain.compute.grid;

/** What a row of the EVENTS table records; its name is the row's KIND. */
public enum EventKind {
    /** a coordinator began running a job's rounds on a device */
    COORDINATOR_STARTED,
    /** the model's primary moved and its new device restarted the coordinator */
    COORDINATOR_REDEPLOYED,
    /** a round could not be completed (it is planned again) */
    ROUND_FAILED,
    /** a device's result was refused, or never came */
    RESULT_REJECTED,
    /** the model diverged and went back to its last good version */
    ROLLBACK,
    /** a partition lost every copy; training waits for the data set to be loaded again */
    PARTITIONS_LOST,
    /** the lost partitions are back; training resumes */
    PARTITIONS_RESTORED,
    /** training waits while a data set load runs */
    DATASET_LOADING,
    /** a flapping device gets no training work for a while */
    QUARANTINED,
    /** a quarantined device gets work again */
    QUARANTINE_ENDED,
    /** an epoch ended with its evaluation */
    EPOCH_FINISHED,
    /** the job's last epoch ended */
    JOB_FINISHED,
    /** this side of the fleet sees no majority of its members (a cut link, or too many failures at once): it waits */
    NO_QUORUM,
    /** this side sees a majority of its members again: training resumes */
    QUORUM_REGAINED,
    /** a device that was cut off on the smaller side came back and joined the larger side's fleet */
    REJOINED
}
