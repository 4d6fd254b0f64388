package org.edgetrain.rebalancing;

import static org.edgetrain.rebalancing.CapabilityAffinityFunctionTest.node;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.Test;

class StrongestDevicesAffinityFunctionTest {
    private static List<String> names(List<ClusterNode> owners) {
        return owners.stream().map(n -> String.valueOf(n.consistentId())).toList();
    }

    @Test
    void primaryIsTheStrongestDeviceAndBackupsTheNextOnes() {
        List<ClusterNode> nodes = List.of(node("rpi-1", 20, "a"), node("pc", 100, "b"), node("nano", 35, "c"),
                node("rpi-2", 21, "d"));

        assertEquals(List.of("pc", "nano", "rpi-2"), names(StrongestDevicesAffinityFunction.owners(nodes, 2)));
        assertEquals(List.of("pc"), names(StrongestDevicesAffinityFunction.owners(nodes, 0)));
    }

    @Test
    void backupsPreferOtherHosts() {
        List<ClusterNode> nodes = List.of(node("pc", 100, "hostA"), node("nano", 35, "hostA"), node("rpi", 20, "hostB"));

        assertEquals(List.of("pc", "rpi"), names(StrongestDevicesAffinityFunction.owners(nodes, 1)));
        assertEquals(List.of("pc", "rpi", "nano"), names(StrongestDevicesAffinityFunction.owners(nodes, 2)));
    }

    @Test
    void aWeakerDeviceJoiningMovesNothingAndAStrongerOneTakesThePrimary() {
        List<ClusterNode> nodes = new ArrayList<>(List.of(node("pc", 100, "a"), node("nano", 35, "b"), node("rpi", 20, "c")));
        List<String> before = names(StrongestDevicesAffinityFunction.owners(nodes, 1));

        nodes.add(node("rpi-9", 19, "d"));
        assertEquals(before, names(StrongestDevicesAffinityFunction.owners(nodes, 1)));

        nodes.add(node("workstation", 400, "e"));
        assertEquals(List.of("workstation", "pc"), names(StrongestDevicesAffinityFunction.owners(nodes, 1)));
    }

    @Test
    void equalCapabilitiesAreRankedByName() {
        List<ClusterNode> nodes = List.of(node("rpi-2", 20, "a"), node("rpi-1", 20, "b"), node("rpi-3", 20, "c"));

        assertEquals(List.of("rpi-1", "rpi-2"), names(StrongestDevicesAffinityFunction.owners(nodes, 1)));
        assertEquals(1, new StrongestDevicesAffinityFunction().partitions());
        assertEquals(0, new StrongestDevicesAffinityFunction().partition("any key"));
    }

    @Test
    void moreBackupsThanDevicesGiveEveryDeviceACopy() {
        List<ClusterNode> nodes = List.of(node("pc", 100, "a"), node("rpi", 20, "b"));

        assertEquals(List.of("pc", "rpi"), names(StrongestDevicesAffinityFunction.owners(nodes, 2)));
        assertEquals(List.of(), names(StrongestDevicesAffinityFunction.owners(List.of(), 2)));
    }
}
