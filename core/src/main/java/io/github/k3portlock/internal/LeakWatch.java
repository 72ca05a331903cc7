package io.github.k3portlock.internal;

import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.util.function.BiConsumer;

/**
 * Detects a lock handle that became unreachable without being released, and says so: a warning
 * through {@link System.Logger} (logger {@value #LOGGER_NAME}) naming the key and its ports, and,
 * with the debug switch {@code -D}{@value #DEBUG_PROPERTY}{@code =true}, the stack that acquired
 * the handle (capturing it costs a stack walk per acquisition, see BENCHMARKS.md, section 11, so
 * it is off by default).
 *
 * <pre>{@code
 * LeakWatch leak = LeakWatch.watch(this, key, ports.toString()); // in the handle's constructor
 * ...
 * leak.released();                                               // in release(), once or more
 * }</pre>
 *
 * <p><b>Reported, never released.</b> The watch does not release the lock when it finds the
 * handle unreachable, for two reasons. Reachability is not the end of the critical section: a
 * handle the caller no longer refers to ({@code lock.acquire(); work();} through an object that
 * is itself dropped) can be collected while {@code work()} still runs, and releasing then would
 * let another process in while this one still works. And releasing behind the user's back would
 * hide the bug that the warning is there to show. The ports therefore stay bound until the process
 * exits: the JDK does not close a {@link java.nio.channels.ServerSocketChannel} that is garbage
 * collected (checked on JDK 17), so the warning is the only sign of a lock held for ever.
 *
 * <p>The handle is not referenced by the watch; the token returned by {@link #watch} is. This
 * class is thread-safe; {@link #released()} may be called from any thread, any number of times.
 */
public final class LeakWatch {
    /** The logger warnings go to. */
    public static final String LOGGER_NAME = "io.github.k3portlock";
    /** The system property that, set to {@code true}, records where each handle was acquired. */
    public static final String DEBUG_PROPERTY = "k3portlock.debug.leaks";

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "k3portlock-leak-watch");
        t.setDaemon(true);
        return t;
    });

    /** Read once; tests switch it directly. */
    static volatile boolean debug = Boolean.getBoolean(DEBUG_PROPERTY);
    /** Also told of every report, when set (tests). */
    static volatile BiConsumer<String, Throwable> hook;

    private final State state;
    private final Cleaner.Cleanable cleanable;

    private LeakWatch(State state, Object handle) {
        this.state = state;
        this.cleanable = CLEANER.register(handle, state);
    }

    /**
     * Starts watching {@code handle}.
     *
     * @param handle the handle whose unreachability, unreleased, is a leak
     * @param key the lock key, for the warning
     * @param portsText the ports held, for the warning
     * @return the token whose {@link #released()} the handle calls when released
     */
    public static LeakWatch watch(Object handle, String key, String portsText) {
        return new LeakWatch(new State(key, portsText,
                debug ? new Throwable("where the unreleased handle was acquired") : null), handle);
    }

    /** Marks the handle released and stops watching it. Idempotent. */
    public void released() {
        state.released = true;
        cleanable.clean(); // runs State.run at most once, which now does nothing
    }

    /** What the Cleaner runs: must not refer to the handle. */
    private static final class State implements Runnable {
        private final String key;
        private final String portsText;
        private final Throwable acquiredAt;
        private volatile boolean released;

        State(String key, String portsText, Throwable acquiredAt) {
            this.key = key;
            this.portsText = portsText;
            this.acquiredAt = acquiredAt;
        }

        @Override
        public void run() {
            if (released) {
                return;
            }
            String message = "lock " + Checks.quote(key) + " (" + portsText + ") was never"
                    + " released: its handle became unreachable while holding it, so the lock"
                    + " stays held until this process exits. Release every handle (try-with-"
                    + "resources)." + (acquiredAt == null ? " Run with -D" + DEBUG_PROPERTY
                    + "=true to log where it was acquired." : " Acquired at:");
            BiConsumer<String, Throwable> h = hook;
            if (h != null) {
                h.accept(message, acquiredAt);
            }
            System.Logger log = System.getLogger(LOGGER_NAME);
            if (acquiredAt == null) {
                log.log(Level.WARNING, message);
            } else {
                log.log(Level.WARNING, message, acquiredAt);
            }
        }
    }
}
