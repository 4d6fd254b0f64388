package org.edgetrain.compute.training;

import java.io.Serializable;
import java.util.List;
import org.edgetrain.model.strategy.DeviceResult;

/**
 * A device's typed answer to a {@link TrainingJob}.
 *
 * @param result the replica's state and sample count, for the strategy
 * @param advances per-partition progress, committed only if the result is accepted
 * @param seconds training time on the device
 * @param imagesPerSecond measured throughput of this round
 * @param heapUsedMegabytes JVM heap in use after the round
 * @param offHeapUsedMegabytes Ignite off-heap memory in use (the device's shards)
 * @param cpuLoad the process's recent CPU load in [0, 1], or -1 when unknown
 * @param residentMegabytes the device process's resident memory (heap, shards, native arrays and the rest), or -1
 *     where the OS does not tell (Linux only)
 * @param engine the engine the device trained with: {@code torch} or {@code dl4j}
 * @param packedState the trained state as the job's {@link StateTransfer} sent it, while {@code result}'s state is
 *     null; null once {@link #restored} (or never packed)
 * @param resultId unique to this answer (a device may be sent the same round twice, by a coordinator and its successor):
 *     a committed version lists the ids of the answers it is made of ({@link RoundRow#acceptedResults})
 */
public record DeviceRoundResult(DeviceResult result, List<PartitionAdvance> advances, double seconds,
                                double imagesPerSecond, double heapUsedMegabytes, double offHeapUsedMegabytes,
                                double cpuLoad, double residentMegabytes, String engine, byte[] packedState,
                                String resultId)
        implements Serializable {
    /** @return this result with its state rebuilt from {@code packedState} and the {@code model} it was sent */
    DeviceRoundResult restored(StateTransfer transfer, float[] model) {
        if (packedState == null) {
            return this;
        }
        DeviceResult full = new DeviceResult(result.device(), result.round(), transfer.unpackResult(packedState, model),
                result.samples(), result.lossSum());
        return new DeviceRoundResult(full, advances, seconds, imagesPerSecond, heapUsedMegabytes, offHeapUsedMegabytes,
                cpuLoad, residentMegabytes, engine, null, resultId);
    }
}
