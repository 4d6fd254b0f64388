package stranger;

import org.apache.ignite.lang.IgniteCallable;

/** Closures from outside the project's packages: what a stranger's tool would send to a device. */
public final class ForeignClosures {
    private ForeignClosures() {
    }

    /** @return a job whose code lives in this foreign class; it travels as a serialized lambda naming it */
    public static IgniteCallable<String> job() {
        return () -> "ran foreign code";
    }
}
