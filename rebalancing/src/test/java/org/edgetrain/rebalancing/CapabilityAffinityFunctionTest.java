package org.edgetrain.rebalancing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ignite.cluster.ClusterNode;
import org.junit.jupiter.api.Test;

class CapabilityAffinityFunctionTest {
    /** A node as the placement function sees it: a consistent id and attributes. */
    static ClusterNode node(String name, double capability, String host) {
        Map<String, Object> attributes = Map.of(DeviceAttributes.CAPABILITY, capability, DeviceAttributes.HOST, host);
        return (ClusterNode) Proxy.newProxyInstance(ClusterNode.class.getClassLoader(), new Class<?>[] {ClusterNode.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "consistentId" -> name;
                    case "attribute" -> attributes.get((String) args[0]);
                    case "toString" -> name;
                    case "hashCode" -> name.hashCode();
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    static Map<String, Integer> primaries(List<List<ClusterNode>> assignment) {
        Map<String, Integer> counts = new HashMap<>();
        assignment.forEach(owners -> counts.merge(String.valueOf(owners.get(0).consistentId()), 1, Integer::sum));
        return counts;
    }

    @Test
    void primariesFollowCapability() {
        List<ClusterNode> nodes = List.of(node("pc", 100, "a"), node("nano", 35, "b"), node("rpi", 20, "c"));

        Map<String, Integer> counts = primaries(new CapabilityAffinityFunction(64, true).assign(nodes, 1));

        // 64 * 100/155 = 41.3, 64 * 35/155 = 14.5, 64 * 20/155 = 8.3: largest remainders give 41, 15, 8.
        assertEquals(Map.of("pc", 41, "nano", 15, "rpi", 8), counts);
    }

    @Test
    void equalModeIgnoresCapability() {
        List<ClusterNode> nodes = List.of(node("pc", 100, "a"), node("nano", 35, "b"), node("rpi", 20, "c"));

        Map<String, Integer> counts = primaries(new CapabilityAffinityFunction(64, false).assign(nodes, 1));

        assertEquals(Map.of("pc", 21, "nano", 22, "rpi", 21), counts); // ties go to the first name
    }

    @Test
    void backupsAvoidThePrimarysHost() {
        List<ClusterNode> nodes = List.of(node("a1", 10, "hostA"), node("a2", 10, "hostA"), node("b1", 10, "hostB"));

        List<List<ClusterNode>> assignment = new CapabilityAffinityFunction(64, true).assign(nodes, 1);

        for (List<ClusterNode> owners : assignment) {
            assertEquals(2, owners.size());
            assertNotEquals(DeviceAttributes.host(owners.get(0)), DeviceAttributes.host(owners.get(1)), owners.toString());
        }
    }

    @Test
    void oneHostStillGetsBackupsOnOtherDevices() {
        List<ClusterNode> nodes = List.of(node("x", 1, "h"), node("y", 1, "h"), node("z", 1, "h"));

        for (List<ClusterNode> owners : new CapabilityAffinityFunction(16, true).assign(nodes, 2)) {
            assertEquals(3, owners.stream().distinct().count());
        }
    }

    @Test
    void aJoiningDeviceTakesPartitionsWithoutReshufflingTheRest() {
        List<ClusterNode> before = new ArrayList<>(List.of(node("a", 10, "a"), node("b", 10, "b"), node("c", 10, "c")));
        CapabilityAffinityFunction function = new CapabilityAffinityFunction(128, true);
        List<List<ClusterNode>> old = function.assign(before, 0);
        List<ClusterNode> after = new ArrayList<>(before);
        after.add(node("d", 10, "d"));

        List<List<ClusterNode>> now = function.assign(after, 0);

        int moved = 0;
        int movedElsewhere = 0;
        for (int p = 0; p < 128; p++) {
            String from = String.valueOf(old.get(p).get(0).consistentId());
            String to = String.valueOf(now.get(p).get(0).consistentId());
            if (!from.equals(to)) {
                moved++;
                if (!to.equals("d")) {
                    movedElsewhere++;
                }
            }
        }
        assertEquals(32, primaries(now).get("d"));
        assertTrue(moved <= 40, "moved " + moved + " of 128 partitions for one join");
        assertTrue(movedElsewhere <= 8, movedElsewhere + " partitions moved between old devices");
    }

    @Test
    void sameTopologySameAssignment() {
        List<ClusterNode> nodes = List.of(node("a", 3, "a"), node("b", 1, "b"));
        List<ClusterNode> reversed = List.of(nodes.get(1), nodes.get(0));

        assertEquals(new CapabilityAffinityFunction(32, true).assign(nodes, 1).toString(),
                new CapabilityAffinityFunction(32, true).assign(reversed, 1).toString());
    }
}
