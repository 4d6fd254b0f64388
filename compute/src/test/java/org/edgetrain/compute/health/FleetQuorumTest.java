package org.edgetrain.compute.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The rule two sides of a healed cut apply to decide which gives way, each from its own view: exactly one yields
 * whenever both see each other. The fleet behaviour around it is PartitionTest's (real devices, real cuts).
 */
class FleetQuorumTest {
    @Test
    void theSmallerSideYieldsAndTheLargerDoesNot() {
        Set<String> small = Set.of("pc-1", "rpi4-2");
        Set<String> large = Set.of("pc-2", "pc-3", "rpi4-1");
        assertTrue(FleetQuorum.yields(small, large));
        assertFalse(FleetQuorum.yields(large, small));
    }

    @Test
    void anEvenSplitIsDecidedByTheFirstNameTheSameWayFromBothSides() {
        Set<String> a = Set.of("pc-1", "pc-2");
        Set<String> b = Set.of("pc-3", "rpi4-1");
        assertNotEquals(FleetQuorum.yields(a, b), FleetQuorum.yields(b, a), "exactly one half gives way");
        assertTrue(FleetQuorum.yields(b, a), "the half without pc-1, the first name, gives way");
    }

    @Test
    void membersThatDoNotAnswerDoNotCount() {
        // A lone device whose lost members are one frozen (not answering) and one crashed counts nobody against it; once
        // the woken one answers, alone, one against one, the name decides, the same from both ends.
        assertFalse(FleetQuorum.yields(Set.of("pc-2"), Set.of()), "a frozen and a crashed member are not a side");
        assertNotEquals(FleetQuorum.yields(Set.of("pc-2"), Set.of("pc-1")), FleetQuorum.yields(Set.of("pc-1"), Set.of("pc-2")));
    }
}
