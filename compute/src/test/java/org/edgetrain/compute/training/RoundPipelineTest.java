package org.edgetrain.compute.training;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.ignite.lang.IgniteFuture;
import org.junit.jupiter.api.Test;

class RoundPipelineTest {
    private static RoundPipeline.Round round(long n) {
        return new RoundPipeline.Round(n, null, Map.of(), Map.of(), Map.of(), 0.1,
                new DeviceGateway.Sent(n, null, List.of(), Map.of(), List.of(), Map.of(), 0), 0);
    }

    @Test
    void theNextRoundBecomesCurrentOnceTheCurrentOneIsCommitted() {
        RoundPipeline pipeline = new RoundPipeline();
        RoundPipeline.Round first = round(1);
        RoundPipeline.Round second = round(2);
        pipeline.start(first);
        pipeline.sendNext(second);

        assertSame(second, pipeline.advance());
        assertSame(second, pipeline.current());
        assertNull(pipeline.advance());
        assertTrue(pipeline.idle());
    }

    @Test
    void aRoundIsStartedOnlyFromIdleAndANextOneOnlyBehindACurrentOne() {
        RoundPipeline pipeline = new RoundPipeline();
        assertThrows(IllegalStateException.class, () -> pipeline.sendNext(round(1)));
        pipeline.start(round(1));
        assertThrows(IllegalStateException.class, () -> pipeline.start(round(2)));
        pipeline.sendNext(round(2));
        assertThrows(IllegalStateException.class, () -> pipeline.sendNext(round(3)));
    }

    @Test
    void clearingAbandonsTheNextRoundsJobs() {
        AtomicBoolean cancelled = new AtomicBoolean();
        IgniteFuture<byte[]> future = (IgniteFuture<byte[]>) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {IgniteFuture.class}, (proxy, method, args) -> {
                    if (method.getName().equals("cancel")) {
                        cancelled.set(true);
                        return true;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        RoundPipeline pipeline = new RoundPipeline();
        pipeline.start(round(1));
        pipeline.sendNext(new RoundPipeline.Round(2, null, Map.of(), Map.of(), Map.of(), 0.1,
                new DeviceGateway.Sent(2, null, List.of(), Map.of("pc-1", future), List.of(), Map.of(), 0), 0));

        pipeline.clear();

        assertTrue(cancelled.get(), "the next round's job was cancelled");
        assertTrue(pipeline.idle());
    }
}
