package io.github.k3portlock.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JDK Flight Recorder events of the lock (no dependency: {@code jdk.jfr} is part of the JDK).
 * Until the flight recorder runs in this JVM the event classes are not even loaded (loading
 * {@code jdk.jfr.Event} and its handlers is slow, see BENCHMARKS.md, section 11, and a CLI start
 * must not pay it); once it runs, disabled events cost nothing measurable. How to record and read
 * them: README.md, "Observing it".
 */
public final class LockEvents {
    private LockEvents() {
    }

    /** A wait for a lock: its duration is the time waited; the outcome says how it ended. */
    @Name("io.github.k3portlock.Wait")
    @Label("Lock Wait")
    @Category("k3portlock")
    @Description("A wait for a k3portlock lock, from the first attempt to its outcome")
    @StackTrace(false)
    public static final class Wait extends Event {
        /** The lock key. */
        @Label("Key")
        public String key;

        /**
         * {@code acquired}, {@code timeout}, {@code error}, {@code interrupted} or
         * {@code cancelled}.
         */
        @Label("Outcome")
        public String outcome;

        /** Creates an event; call {@code begin()} when the wait starts. */
        public Wait() {
        }
    }

    /** A lock held and released: committed at the release, with the time it was held. */
    @Name("io.github.k3portlock.Hold")
    @Label("Lock Hold")
    @Category("k3portlock")
    @Description("A k3portlock lock released, with how long it was held")
    @StackTrace(false)
    public static final class Hold extends Event {
        /** The lock key. */
        @Label("Key")
        public String key;

        /** How long the lock was held, in nanoseconds. */
        @Label("Held")
        @Timespan(Timespan.NANOSECONDS)
        public long held;

        /** Creates an event. */
        public Hold() {
        }
    }

    /**
     * Begins a {@link Wait} event, or returns {@code null} when the event is not enabled (then
     * nothing is allocated beyond this probe, which the JIT removes).
     *
     * @return the begun event, or {@code null}
     */
    public static Wait beginWait() {
        if (!FlightRecorder.isInitialized()) {
            return null;
        }
        Wait e = new Wait();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /**
     * Ends and commits a wait begun by {@link #beginWait()}.
     *
     * @param e the event, or {@code null} (then nothing happens)
     * @param key the key
     * @param outcome how the wait ended
     */
    public static void endWait(Wait e, String key, String outcome) {
        if (e == null) {
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.key = key;
            e.outcome = outcome;
            e.commit();
        }
    }

    /**
     * Commits a {@link Hold} event if the event is enabled.
     *
     * @param key the key
     * @param acquiredNanos {@link System#nanoTime()} at the acquisition
     */
    public static void held(String key, long acquiredNanos) {
        if (!FlightRecorder.isInitialized()) {
            return;
        }
        Hold e = new Hold();
        if (e.shouldCommit()) {
            e.key = key;
            e.held = System.nanoTime() - acquiredNanos;
            e.commit();
        }
    }
}
