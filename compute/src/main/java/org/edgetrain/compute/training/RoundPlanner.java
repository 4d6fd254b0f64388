package org.edgetrain.compute.training;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides who trains what in a round, from facts alone: no Ignite, no clock, no randomness, so the same inputs give
 * the same plan (and a test runs in milliseconds). Stateless.
 *
 * <p>Each device gets slices of the partitions it owns, sized by its share ({@link RoundPacer}) so that devices
 * finish together. A partition goes to its first owner that is not quarantined: its primary, else a backup (the slice
 * says so, and the device checks that its copy is complete). With stealing, a device with quota to spare also takes
 * whole partitions it holds a backup of and that nobody trains this round, or that their owner got only as slack: without
 * it a fast device sits idle once its own shard is done for the epoch, while a slow one works through the rest of its
 * shard alone, round after round.
 * A partition goes to one device per round, so its cursor advances in one chain.
 */
final class RoundPlanner {
    /**
     * The fleet as the plan sees it.
     *
     * @param capabilities the devices that can be given work, in planning order, with their declared capability
     * @param owners each partition's owners by name (index = partition), primary first
     */
    record Topology(Map<String, Double> capabilities, List<List<String>> owners) {
        /** @return the devices, in planning order */
        List<String> devices() {
            return List.copyOf(capabilities.keySet());
        }
    }

    private RoundPlanner() {
    }

    /**
     * @param progress every partition's progress in the epoch
     * @param shares every device's share of the round
     * @param quarantined devices that get no work (see {@link #effectiveQuarantine})
     * @param sizeGuess samples to plan with for a partition nobody has counted yet (the device takes what it has)
     * @param stealing whether spare quota goes to backups of partitions nobody reaches this round
     * @param expectedSizes each partition's size as the loaded data set should have it, or null: lets a partition
     *     nobody has counted yet be stolen (the thief's copy must have exactly that many samples, or it is skipped)
     * @return each device with work and its slices, in the topology's order
     */
    static Map<String, List<PartitionWork>> plan(Topology topology, Map<Integer, PartitionProgress> progress,
                                                Map<String, RoundPacer.Share> shares, Set<String> quarantined,
                                                int sizeGuess, boolean stealing, int[] expectedSizes) {
        Map<String, List<Integer>> owned = new LinkedHashMap<>();
        Set<Integer> fromBackup = new HashSet<>();
        for (int partition = 0; partition < topology.owners().size(); partition++) {
            List<String> owners = topology.owners().get(partition);
            int rank = 0;
            while (rank < owners.size() && quarantined.contains(owners.get(rank))) {
                rank++;
            }
            if (rank == owners.size()) {
                rank = 0; // every copy is on a device in quarantine: its primary trains it, or the epoch would stall
            }
            if (!owners.isEmpty()) {
                owned.computeIfAbsent(owners.get(rank), d -> new ArrayList<>()).add(partition);
                if (rank > 0) {
                    fromBackup.add(partition);
                }
            }
        }
        Map<String, List<PartitionWork>> plan = new LinkedHashMap<>();
        Map<String, Integer> spare = new LinkedHashMap<>();
        Set<Integer> planned = new HashSet<>();
        Map<Integer, String> slackOnly = new HashMap<>();
        for (String device : topology.devices()) {
            RoundPacer.Share share = shares.get(device);
            int quota = share.quota();
            int reached = 0;
            List<PartitionWork> slices = new ArrayList<>();
            for (int partition : owned.getOrDefault(device, List.of())) {
                PartitionProgress p = progress.get(partition);
                int take = Math.min(quota, (p.size() < 0 ? sizeGuess : p.size()) - p.cursor());
                if (p.done() || take <= 0) {
                    continue;
                }
                slices.add(new PartitionWork(partition, p.epoch(), p.cursor(), take, p.size(), fromBackup.contains(partition)));
                planned.add(partition);
                if (reached >= share.expected()) {
                    slackOnly.put(partition, device);
                }
                quota -= take;
                reached += take;
            }
            plan.put(device, slices);
            spare.put(device, quota);
        }
        if (stealing) {
            stealFromBackups(topology, plan, spare, planned, slackOnly, quarantined, progress, expectedSizes);
        }
        plan.values().removeIf(List::isEmpty);
        return plan;
    }

    /**
     * Only partitions of known size are taken (counted by a device, else as the data set should have them), so that
     * the device can recognize (and skip) a backup copy caught mid-rebalance. Without the data set's sizes, a one-epoch
     * job could never steal a partition its slow owner had not reached yet: those are the ones nobody has counted, and
     * the epoch ended with the slowest device training alone. The device with the most quota to spare chooses first.
     *
     * <p>A partition its owner was given only as slack (slices past the samples it is expected to train, there in
     * case it trains on past its box) counts as unplanned, and a thief takes it from the owner's plan: without that,
     * an epoch's tail went to its slowest device alone (measured, a pc + rpi4 fleet with 6-s rounds: the rpi4's slices
     * covered every partition it had left, three times what it trains in a round, so the pc had nothing to steal and
     * idled 17 s of each 95-s epoch while the rpi4 finished its last 1,100 samples in four rounds).
     */
    private static void stealFromBackups(Topology topology, Map<String, List<PartitionWork>> plan,
                                         Map<String, Integer> spare, Set<Integer> planned,
                                         Map<Integer, String> slackOnly, Set<String> quarantined,
                                         Map<Integer, PartitionProgress> progress, int[] expectedSizes) {
        List<Map.Entry<String, Integer>> mostSpareFirst = new ArrayList<>(spare.entrySet());
        mostSpareFirst.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        for (Map.Entry<String, Integer> device : mostSpareFirst) {
            if (quarantined.contains(device.getKey())) {
                continue;
            }
            int quota = device.getValue();
            for (int partition = 0; partition < topology.owners().size() && quota > 0; partition++) {
                PartitionProgress p = progress.get(partition);
                int size = p.size() >= 0 ? p.size()
                        : expectedSizes != null && partition < expectedSizes.length ? expectedSizes[partition] : -1;
                String slackOwner = slackOnly.get(partition);
                if ((planned.contains(partition) && slackOwner == null) || device.getKey().equals(slackOwner)
                        || p.done() || size < 0 || topology.owners().get(partition).indexOf(device.getKey()) < 1) {
                    continue;
                }
                int take = Math.min(quota, size - p.cursor());
                if (take <= 0) {
                    continue;
                }
                if (slackOwner != null) {
                    int taken = partition;
                    plan.get(slackOwner).removeIf(slice -> slice.partition() == taken); // one device per partition
                    slackOnly.remove(partition);
                }
                plan.get(device.getKey()).add(new PartitionWork(partition, p.epoch(), p.cursor(), take, size, true));
                planned.add(partition);
                quota -= take;
            }
        }
    }

    /**
     * @param devices the devices in the fleet now
     * @param inQuarantine the devices whose quarantine is running
     * @return the devices to give no work: none when more than half of the fleet is in quarantine. Quarantine is for
     *     the odd flapping device; when most of the fleet keeps failing the cause is not theirs (power, the network),
     *     and quarantining them all left the rest with every partition, or none to train: a 100-fault soak, which
     *     crashes every device again and again, stopped training for half an hour.
     */
    static Set<String> effectiveQuarantine(Collection<String> devices, Set<String> inQuarantine) {
        long quarantined = devices.stream().filter(inQuarantine::contains).count();
        return quarantined * 2 > devices.size() ? Set.of() : inQuarantine;
    }
}
