package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoundPlannerTest {
    /** Four partitions: pc-1 primary of 0 and 1, rpi4-1 primary of 2 and 3; each backed up by the other. */
    private static RoundPlanner.Topology twoDevices() {
        Map<String, Double> capabilities = new LinkedHashMap<>();
        capabilities.put("pc-1", 1.0);
        capabilities.put("rpi4-1", 0.2);
        return new RoundPlanner.Topology(capabilities, List.of(List.of("pc-1", "rpi4-1"), List.of("pc-1", "rpi4-1"),
                List.of("rpi4-1", "pc-1"), List.of("rpi4-1", "pc-1")));
    }

    private static Map<Integer, PartitionProgress> progress(int... cursors) {
        Map<Integer, PartitionProgress> out = new LinkedHashMap<>();
        for (int p = 0; p < cursors.length; p++) {
            out.put(p, new PartitionProgress(1, cursors[p], 100));
        }
        return out;
    }

    private static Map<String, RoundPacer.Share> quotas(int pc, int rpi4) {
        return Map.of("pc-1", new RoundPacer.Share(pc, 0, pc), "rpi4-1", new RoundPacer.Share(rpi4, 0, rpi4));
    }

    @Test
    void eachDeviceTrainsItsPrimaryPartitionsFromTheirCursorsUpToItsQuota() {
        Map<String, List<PartitionWork>> plan = RoundPlanner.plan(twoDevices(), progress(0, 40, 0, 0), quotas(150, 30),
                Set.of(), 100, false, null);

        assertEquals(List.of(new PartitionWork(0, 1, 0, 100, 100, false), new PartitionWork(1, 1, 40, 50, 100, false)),
                plan.get("pc-1"));
        assertEquals(List.of(new PartitionWork(2, 1, 0, 30, 100, false)), plan.get("rpi4-1"));
    }

    @Test
    void spareQuotaStealsWholeUnplannedPartitionsTheDeviceBacksUpOnlyWhenStealing() {
        // pc-1's own partitions are done; rpi4-1 reaches only partition 2 this round.
        Map<Integer, PartitionProgress> progress = progress(100, 100, 0, 10);

        Map<String, List<PartitionWork>> stealing = RoundPlanner.plan(twoDevices(), progress, quotas(500, 30), Set.of(),
                100, true, null);
        Map<String, List<PartitionWork>> not = RoundPlanner.plan(twoDevices(), progress, quotas(500, 30), Set.of(), 100,
                false, null);

        assertEquals(List.of(new PartitionWork(3, 1, 10, 90, 100, true)), stealing.get("pc-1"));
        assertEquals(List.of(new PartitionWork(2, 1, 0, 30, 100, false)), stealing.get("rpi4-1"));
        assertEquals(Set.of("rpi4-1"), not.keySet(), "a device with nothing to train is left out of the plan");
    }

    @Test
    void aPartitionItsOwnerGotOnlyAsSlackGoesToADeviceWithNothingElseToTrain() {
        // rpi4-1 is expected to train 30 samples (its box) and gets slices for 90 (slack for training on past its box):
        // partition 2's last 30 samples, then partition 3 as slack only.
        Map<String, RoundPacer.Share> shares = Map.of("pc-1", new RoundPacer.Share(200, 6, 70),
                "rpi4-1", new RoundPacer.Share(90, 6, 30));

        Map<String, List<PartitionWork>> tail = RoundPlanner.plan(twoDevices(), progress(100, 100, 70, 10), shares,
                Set.of(), 100, true, null);
        // mid-epoch: the pc's own partitions fill its slices (200 of 200)
        Map<String, List<PartitionWork>> midEpoch = RoundPlanner.plan(twoDevices(), progress(0, 0, 70, 10), shares,
                Set.of(), 100, true, null);

        assertEquals(List.of(new PartitionWork(3, 1, 10, 90, 100, true)), tail.get("pc-1"),
                "the pc, its own shard done, trains partition 3 from its backup");
        assertEquals(List.of(new PartitionWork(2, 1, 70, 30, 100, false)), tail.get("rpi4-1"),
                "the rpi4 keeps what it is expected to train, and partition 3 is no longer its");
        assertEquals(List.of(new PartitionWork(2, 1, 70, 30, 100, false), new PartitionWork(3, 1, 10, 60, 100, false)),
                midEpoch.get("rpi4-1"), "with work of its own the pc has no quota to spare: the rpi4 keeps its slack");
    }

    @Test
    void aPartitionNobodyHasCountedIsStolenOnlyWithTheDataSetsSizeForIt() {
        // rpi4-1 reaches partition 2 only; partition 3 it has not counted yet (the first epoch of a job)
        Map<Integer, PartitionProgress> progress = progress(100, 100, 0, 0);
        progress.put(3, new PartitionProgress(1, 0, -1));

        Map<String, List<PartitionWork>> blind = RoundPlanner.plan(twoDevices(), progress, quotas(500, 60), Set.of(), 50,
                true, null);
        Map<String, List<PartitionWork>> sized = RoundPlanner.plan(twoDevices(), progress, quotas(500, 60), Set.of(), 50,
                true, new int[] {100, 100, 100, 97});

        assertEquals(List.of(new PartitionWork(2, 1, 0, 60, 100, false)), blind.get("rpi4-1"));
        assertEquals(Set.of("rpi4-1"), blind.keySet(), "partition 3 (size unknown) is not taken from a backup copy");
        assertEquals(List.of(new PartitionWork(3, 1, 0, 97, 97, true)), sized.get("pc-1"),
                "with the data set's size the idle pc trains it from its backup, its copy checked against 97");
        assertEquals(List.of(new PartitionWork(2, 1, 0, 60, 100, false)), sized.get("rpi4-1"));
    }

    @Test
    void aQuarantinedDevicesPartitionsAreTrainedFromTheirBackupAndItGetsNothing() {
        Map<String, List<PartitionWork>> plan = RoundPlanner.plan(twoDevices(), progress(0, 0, 0, 0), quotas(500, 500),
                Set.of("rpi4-1"), 100, true, null);

        assertEquals(Set.of("pc-1"), plan.keySet());
        assertEquals(List.of(new PartitionWork(0, 1, 0, 100, 100, false), new PartitionWork(1, 1, 0, 100, 100, false),
                new PartitionWork(2, 1, 0, 100, 100, true), new PartitionWork(3, 1, 0, 100, 100, true)), plan.get("pc-1"));
    }

    @Test
    void aPartitionWhoseEveryCopyIsInQuarantineIsTrainedByItsPrimary() {
        // both devices in quarantine as the planner is told (effectiveQuarantine would lift it; the planner must not
        // stall on its own either)
        Map<String, List<PartitionWork>> plan = RoundPlanner.plan(twoDevices(), progress(0, 0, 0, 0), quotas(500, 500),
                Set.of("pc-1", "rpi4-1"), 100, true, null);

        assertEquals(List.of(new PartitionWork(0, 1, 0, 100, 100, false), new PartitionWork(1, 1, 0, 100, 100, false)),
                plan.get("pc-1"));
        assertEquals(List.of(new PartitionWork(2, 1, 0, 100, 100, false), new PartitionWork(3, 1, 0, 100, 100, false)),
                plan.get("rpi4-1"));
    }

    @Test
    void quarantineIsLiftedWhenItWouldCoverMostOfTheFleet() {
        assertEquals(Set.of(), RoundPlanner.effectiveQuarantine(List.of("pc-1", "rpi4-1"), Set.of("pc-1", "rpi4-1")));
        assertEquals(Set.of("rpi4-1"), RoundPlanner.effectiveQuarantine(List.of("pc-1", "rpi4-1"), Set.of("rpi4-1")));
        List<String> five = List.of("pc-1", "pc-2", "rpi4-1", "rpi4-2", "rpi4-3");
        assertEquals(Set.of("rpi4-1", "rpi4-2"), RoundPlanner.effectiveQuarantine(five, Set.of("rpi4-1", "rpi4-2")));
        assertEquals(Set.of(), RoundPlanner.effectiveQuarantine(five, Set.of("rpi4-1", "rpi4-2", "rpi4-3")),
                "most of the fleet failing is not the devices' fault");
    }
}
