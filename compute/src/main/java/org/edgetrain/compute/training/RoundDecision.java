package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.edgetrain.model.strategy.DeviceResult;
import org.edgetrain.model.strategy.Failure;
import org.edgetrain.model.strategy.RoundOutcome;
import org.edgetrain.model.strategy.Strategy;

/**
 * What a round's results make of the model: the strategy's outcome, and whether it is committed, kept out, or the
 * model rolled back because training diverged. A pure function of its inputs (no Ignite, no clock), so it is tested
 * in milliseconds. Immutable.
 *
 * @param outcome the strategy's aggregate of the round
 * @param next the model state to commit (a new version, the same one, or the last good one)
 * @param commits true when {@code next} carries the round's training (the accepted devices' progress advances)
 * @param rollback why the model was rolled back, or null
 * @param advances the accepted devices' partition advances (committed only when {@code commits})
 */
record RoundDecision(RoundOutcome outcome, ModelState next, boolean commits, String rollback,
                     List<PartitionAdvance> advances) {
    /**
     * @param from the model the round trained from
     * @param round the round's number
     * @param arrived the results that came before the deadline
     * @param failures the devices whose result did not come
     * @param batch the job's batch: a loss over fewer samples says nothing about divergence
     */
    static RoundDecision decide(Strategy strategy, ModelState from, long round, List<DeviceRoundResult> arrived,
                                List<Failure> failures, int batch) {
        RoundOutcome outcome = strategy.aggregate(round, from.state(), from.serverVelocity(),
                arrived.stream().map(DeviceRoundResult::result).toList(), failures);
        List<PartitionAdvance> advances = new ArrayList<>();
        for (DeviceRoundResult result : arrived) {
            if (outcome.accepted().contains(result.result())) {
                advances.addAll(result.advances());
            }
        }
        double loss = meanLoss(outcome);
        String divergence = divergence(from, outcome, loss, batch);
        if (divergence != null) {
            return new RoundDecision(outcome, from.rolledBack(round), false, divergence, advances);
        }
        ModelState next = outcome.commits()
                ? from.committed(round, outcome.state(), outcome.velocity(), outcome.acceptedSamples(), loss) : from.notCommitted(round);
        return new RoundDecision(outcome, next, outcome.commits(), null, advances);
    }

    /** @return the accepted results' mean training loss per sample (0 when none) */
    static double meanLoss(RoundOutcome outcome) {
        return outcome.accepted().stream().mapToDouble(DeviceResult::lossSum).sum()
                / Math.max(1, outcome.acceptedSamples());
    }

    /**
     * @return why the round diverged (its result must not become the model), or null when it did not: most results
     *     garbage and none accepted, a non-finite loss, or a loss far above the recent ones over at least one batch of
     *     samples (the loss of a few images says nothing: at an epoch's end a round may train a single one, and
     *     rolling that round back would leave its partition unfinished and the epoch stuck, round after round)
     */
    static String divergence(ModelState state, RoundOutcome outcome, double loss, int batch) {
        long corrupt = outcome.rejected().stream().filter(f -> f.kind().corrupt()).count();
        if (outcome.accepted().isEmpty() && corrupt > 0 && corrupt * 2 >= outcome.rejected().size()) {
            return "every result was NaN, infinite or absurdly far from the model";
        }
        if (outcome.commits() && !Double.isFinite(loss)) {
            return "training loss is not finite";
        }
        if (!outcome.commits() || outcome.acceptedSamples() < batch) {
            return null;
        }
        // A fresh 10-class network starts near ln(10) = 2.3; three times that is no longer learning.
        if (Double.isNaN(state.lossEwma()) && loss > 3 * Math.log(10)) {
            return String.format("training loss %.3g on the first round", loss);
        }
        if (!Double.isNaN(state.lossEwma()) && loss > Math.max(4 * state.lossEwma(), 3.0)) {
            return String.format("training loss exploded to %.3g (recent %.3g)", loss, state.lossEwma());
        }
        return null;
    }

    /** @return the round's progress as the commit stores it: {@code progress} with the advances applied if it commits */
    Map<Integer, PartitionProgress> progressAfter(Map<Integer, PartitionProgress> progress) {
        if (!commits) {
            return progress;
        }
        Map<Integer, PartitionProgress> out = new HashMap<>(progress);
        advances.forEach(a -> out.put(a.partition(), new PartitionProgress(a.epoch(), a.to(), a.size())));
        return out;
    }

    /**
     * @param plan what each device was asked to train
     * @param shares each device's share (what it was expected to train)
     * @return work done for nothing in this round: the samples of results that were refused, and the samples devices
     *     whose result never came (crashed, late) were expected to train; all of it when the round did not commit
     */
    long lostSamples(Map<String, List<PartitionWork>> plan, Map<String, RoundPacer.Share> shares,
                     List<DeviceRoundResult> arrived) {
        long lost = 0;
        for (Map.Entry<String, List<PartitionWork>> entry : plan.entrySet()) {
            DeviceResult result = arrived.stream().map(DeviceRoundResult::result)
                    .filter(r -> r.device().equals(entry.getKey())).findFirst().orElse(null);
            if (result == null) {
                lost += Math.min(shares.get(entry.getKey()).expected(),
                        entry.getValue().stream().mapToLong(PartitionWork::quota).sum());
            } else if (!commits || !outcome.accepted().contains(result)) {
                lost += result.samples();
            }
        }
        return lost;
    }
}
