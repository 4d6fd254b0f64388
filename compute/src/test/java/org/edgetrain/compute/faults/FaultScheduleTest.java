package org.edgetrain.compute.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The soak's seeded schedule: reproducible, every kind, a fleet that neither grows nor shrinks by more than one. */
class FaultScheduleTest {
    @Test
    void aHundredFaultsHaveEveryKindAndKeepTheFleetWithinOneDeviceOfItsSize() {
        List<Injection> schedule = FaultHarness.randomized(7, 100, "rpi4", true);
        assertEquals(100, schedule.size());
        Set<Injection.Kind> kinds = schedule.stream().map(Injection::kind)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(Injection.Kind.class)));
        assertEquals(EnumSet.allOf(Injection.Kind.class), kinds, "every kind of fault");
        int extra = 0;
        long version = -1;
        for (Injection injection : schedule) {
            extra += injection.kind() == Injection.Kind.JOIN ? 1 : injection.kind() == Injection.Kind.LEAVE ? -1 : 0;
            assertTrue(Math.abs(extra) <= 1, "joins and leaves alternate: " + extra + " at " + injection);
            assertTrue(injection.afterVersion() >= version + 2, "faults two or more versions apart: " + injection);
            version = injection.afterVersion();
        }
        assertEquals(schedule, FaultHarness.randomized(7, 100, "rpi4", true), "the seed gives the same schedule");
    }

    @Test
    void withoutNamespacesNoFaultIsTheNetworks() {
        assertTrue(FaultHarness.randomized(3, 200, "rpi4").stream().noneMatch(i -> i.kind().network()));
    }
}
