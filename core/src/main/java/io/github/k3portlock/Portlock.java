package io.github.k3portlock;

import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.FairWait;
import io.github.k3portlock.internal.HandOverYield;
import io.github.k3portlock.internal.LockErrors;
import io.github.k3portlock.internal.LockEvents;
import io.github.k3portlock.internal.ModeHold;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.WriterGate;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A blocking cross-process lock: the key is hashed to 3 loopback TCP ports and the lock is held
 * while 2 of them are bound and listening. The kernel frees the ports, and so the lock, the moment
 * the holding process exits, however it exits.
 *
 * <pre>{@code
 * try (Portlock lock = new Portlock("nightly-report", Duration.ofSeconds(5))) {
 *     lock.acquire();            // waits up to 5 s, then throws PortlockTimeoutException
 *     runReport();
 * }                              // released here
 * }</pre>
 *
 * <p><b>Ownership and reentrancy.</b> While held, the lock belongs to the thread that took it.
 * {@link #tryLock()} and {@link #acquire()} by that thread return at once (the lock is already
 * held); they are <em>not</em> counted, so a single {@link #release()} frees the lock however many
 * times it was taken. Other threads sharing the instance wait (or get {@code false}) exactly as
 * another process would. {@code release()} does nothing when the instance holds nothing, and
 * throws {@link IllegalMonitorStateException} when another live thread of this instance holds it.
 * If the owning thread ends without releasing, the lock stays held (by this process) until some
 * thread calls {@code release()}, which is then allowed, or the JVM exits.
 *
 * <p><b>Thread safety and memory visibility.</b> This class is thread-safe. Sharing one instance
 * among threads, or giving each thread its own instance of the same key, both give mutual
 * exclusion. Actions prior to a release happen-before actions following the next acquisition of
 * the same key in this JVM, by any instance. No monitor is held while waiting, so virtual threads
 * do not pin.
 *
 * <p><b>Fairness and scope</b>: see the {@linkplain io.github.k3portlock package} page (a
 * release hands the lock to the process that waited longest; {@link Builder#barging(boolean)}).
 *
 * <p><b>Modes.</b> A lock built with {@link Builder#mode(LockMode) mode(SHARED)} holds the key
 * together with other shared holders and excludes exclusive ones; see {@link LockMode}.
 */
public final class Portlock implements AutoCloseable {
    /** The Python original's default timeout for {@link #acquire()}: 1 second. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
    /** The Python original's default polling interval: 10 milliseconds. */
    public static final Duration DEFAULT_SLEEP_TIME = Duration.ofMillis(10);

    private final LockPorts target;
    private final long timeoutNanos;
    private final long sleepNanos;
    /** How this lock takes its hold in its mode, and the writer gate of its waits. */
    private final ModeHold hold;
    /** Releases hand the key to the oldest waiter (not barging, not shared: see barging). */
    private final boolean fair;

    private final ReentrantLock mutex = new ReentrantLock();
    private final Condition released = mutex.newCondition();
    // Guarded by mutex; volatile for the unlocked reads in hasLocked().
    private volatile PortHandle handle;
    private Thread owner;
    /** Guarded by mutex: {@code System.nanoTime()} when the lock was taken (for the Hold event). */
    private long heldSince;

    /**
     * Creates a lock on {@code key} with the default timeout (1 s) and sleep time (10 ms).
     *
     * @param key the lock key, not empty
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    public Portlock(String key) {
        this(key, DEFAULT_TIMEOUT, DEFAULT_SLEEP_TIME);
    }

    /**
     * Creates a lock on {@code key} that {@link #acquire() acquire} waits for up to
     * {@code timeout}.
     *
     * @param key the lock key, not empty
     * @param timeout how long {@link #acquire()} waits; zero means one attempt
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate or
     *     {@code timeout} negative
     */
    public Portlock(String key, Duration timeout) {
        this(key, timeout, DEFAULT_SLEEP_TIME);
    }

    /**
     * Creates a lock on {@code key} that {@link #acquire() acquire} waits for up to
     * {@code timeout}, trying again every {@code sleepTime}.
     *
     * @param key the lock key, not empty
     * @param timeout how long {@link #acquire()} waits; zero means one attempt; a century or more
     *     means "forever"
     * @param sleepTime the pause between attempts, positive; it never stretches the timeout
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate,
     *     {@code timeout} negative, or {@code sleepTime} not positive
     */
    public Portlock(String key, Duration timeout, Duration sleepTime) {
        this(PortScheme.DEFAULT.lockPorts(key), timeout, sleepTime, PortBinder.DEFAULT);
    }

    Portlock(LockPorts target, Duration timeout, Duration sleepTime, PortBinder binder) {
        this(target, timeout, sleepTime, binder, LockMode.EXCLUSIVE, false);
    }

    Portlock(LockPorts target, Duration timeout, Duration sleepTime, PortBinder binder,
            LockMode mode, boolean barging) {
        this.fair = !barging && mode == LockMode.EXCLUSIVE;
        this.target = target;
        this.timeoutNanos = Checks.nanos(Checks.timeout(target.key(), timeout));
        this.sleepNanos = Checks.nanos(Checks.positive(target.key(), "sleepTime", sleepTime));
        this.hold = ModeHold.of(mode, target, Objects.requireNonNull(binder, "binder"));
    }

    /**
     * Returns a builder for a lock on {@code key} with options beyond the constructors'.
     *
     * @param key the lock key, not empty
     * @return a new builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    public static Builder builder(String key) {
        return new Builder(Checks.key(key));
    }

    /**
     * Tries once to take the lock, without waiting.
     *
     * @return {@code true} if the calling thread now holds the lock (including when it already
     *     did); {@code false} if another process, instance or thread holds it, or if this JVM
     *     just released it to a waiter that has not taken it yet (a fair lock; 20 ms at most)
     * @throws PortlockException if a port cannot be bound for a reason other than contention
     *     (address not local, permission denied, too many open files)
     */
    public boolean tryLock() {
        return tryLock(false);
    }

    /** One attempt; {@code chosen}: the releasing holder promised the key to this waiter. */
    private boolean tryLock(boolean chosen) {
        Thread me = Thread.currentThread();
        mutex.lock();
        try {
            if (owner != null) {
                return owner == me;
            }
            if (!chosen && fair && HandOverYield.isPending(target)) {
                return false; // this JVM just handed the key to a waiter: its turn first
            }
            PortHandle h = hold.tryAcquire();
            if (h == null) {
                return false;
            }
            if (chosen) {
                HandOverYield.kept(target);
            }
            owner = me;
            handle = h;
            heldSince = System.nanoTime();
            return true;
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Takes the lock, waiting up to the timeout. Attempts are made every {@code sleepTime}, and
     * one last attempt at the deadline; the sleep time never stretches the timeout. A waiter
     * is woken by the holder's release or crash, in turn (see the package page's "Fairness").
     *
     * @throws PortlockTimeoutException if the lock is still held elsewhere at the deadline
     * @throws PortlockException if a port cannot be bound for a reason other than contention
     *     (thrown at once, not at the deadline), or if the thread is interrupted while waiting
     *     (the interrupt status is then set again)
     */
    public void acquire() {
        long start = System.nanoTime();
        WriterGate gate = hold.waitingWriter();
        try (FairWait wait = new FairWait(target, this::pause, this::hasLocked)) {
            while (true) {
                long waited = System.nanoTime() - start;
                boolean last = waited >= timeoutNanos;
                if ((last || wait.mayAttempt()) && tryLock(wait.chosen())) {
                    return;
                }
                if (last) {
                    throw LockErrors.timedOut(target, Duration.ofNanos(waited));
                }
                gate.declare(); // a waiting writer keeps new readers out (see LockMode)
                wait.pause(Math.min(sleepNanos, timeoutNanos - waited));
            }
        } finally {
            gate.close(); // after the lock is taken: readers then wait for the lock itself
        }
    }

    /** Waits before the next attempt; woken early when another thread of this instance releases. */
    void pause(long nanos) {
        mutex.lock();
        try {
            // Whoever holds it (another thread of this instance, another instance, another
            // process), wait on the condition: a release by this instance signals it at once.
            released.awaitNanos(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw LockErrors.interrupted(target, e);
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Releases the lock if this instance holds it; does nothing otherwise. Idempotent. Closing the
     * ports never throws, not even out of file descriptors (see {@link LockHandle#release()}).
     *
     * @throws IllegalMonitorStateException if another live thread holds this instance's lock
     */
    public void release() {
        mutex.lock();
        try {
            if (owner == null) {
                return;
            }
            if (owner != Thread.currentThread() && owner.isAlive()) {
                throw new IllegalMonitorStateException("lock " + Checks.quote(target.key())
                        + " is held by thread " + owner.getName() + ", not by "
                        + Thread.currentThread().getName());
            }
            PortHandle h = handle;
            handle = null;
            owner = null;
            h.release(fair);
            released.signal();
            LockEvents.held(target.key(), heldSince);
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Tells whether this instance holds the lock (in any thread). Another instance holding the
     * same key answers {@code false}, as in the Python original.
     *
     * @return {@code true} while this instance holds the lock
     */
    public boolean hasLocked() {
        return handle != null;
    }

    /**
     * Tells whether the calling thread holds this instance's lock.
     *
     * @return {@code true} if the calling thread took the lock and has not released it
     */
    public boolean isHeldByCurrentThread() {
        mutex.lock();
        try {
            return owner == Thread.currentThread();
        } finally {
            mutex.unlock();
        }
    }

    /**
     * Returns the key.
     *
     * @return the lock key
     */
    public String key() {
        return target.key();
    }

    /**
     * Returns the address, ports and quorum the key maps to.
     *
     * @return the key's ports
     */
    public LockPorts lockPorts() {
        return target;
    }

    /**
     * Releases the lock if held, as {@link #release()}, for try-with-resources.
     *
     * @throws IllegalMonitorStateException if another thread holds this instance's lock
     */
    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Portlock{key=" + Checks.quote(target.key()) + ", " + target
                + (hold.shared() ? ", shared" : "") + (hasLocked() ? ", held" : "") + "}";
    }

    /**
     * Builds a {@link Portlock} with a timeout, sleep time and {@link PortScheme}; each setter
     * checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        private final String key;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration sleepTime = DEFAULT_SLEEP_TIME;
        private PortScheme scheme = PortScheme.DEFAULT;
        private LockMode mode = LockMode.EXCLUSIVE;
        private boolean barging;

        private Builder(String key) {
            this.key = key;
        }

        /**
         * Sets how long {@link Portlock#acquire()} waits (default 1 s).
         *
         * @param timeout zero or more
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Checks.timeout(key, timeout);
            return this;
        }

        /**
         * Sets the pause between attempts (default 10 ms).
         *
         * @param sleepTime positive
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder sleepTime(Duration sleepTime) {
            this.sleepTime = Checks.positive(key, "sleepTime", sleepTime);
            return this;
        }

        /**
         * Sets how the key maps to ports (default {@link PortScheme#DEFAULT}).
         *
         * @param scheme the scheme
         * @return this builder
         */
        public Builder scheme(PortScheme scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            return this;
        }

        /**
         * Sets how the lock holds the key (default {@link LockMode#EXCLUSIVE}), see
         * {@link LockMode}.
         *
         * @param mode the mode
         * @return this builder
         * @throws NullPointerException if {@code mode} is null
         */
        public Builder mode(LockMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Makes the lock barging (default: fair): a release wakes every waiter at once (they
         * race) and this process may take the key again at once. More throughput for very short
         * sections, at the cost of starving other processes. Shared holds always barge.
         *
         * @param barging {@code true} for an unfair lock
         * @return this builder
         */
        public Builder barging(boolean barging) {
            this.barging = barging;
            return this;
        }

        /**
         * Builds the lock.
         *
         * @return a new, unlocked {@link Portlock}
         * @throws IllegalStateException if the mode is {@code SHARED} and this platform offers no
         *     {@code SO_REUSEPORT} (Windows)
         */
        public Portlock build() {
            return new Portlock(scheme.lockPorts(key), timeout, sleepTime, PortBinder.DEFAULT,
                    mode, barging);
        }
    }
}
