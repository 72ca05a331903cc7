package io.github.k3portlock;

import io.github.k3portlock.internal.Addresses;
import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A cross-process counting semaphore held by the kernel: at most {@link #permits()} holders, in
 * any processes of this host, at once. A permit is one loopback port bound and listening; the
 * kernel frees it the moment its holder exits, however it exits.
 *
 * <pre>{@code
 * PortSemaphore encoders = PortSemaphore.builder("ffmpeg", 3)
 *         .timeout(Duration.ofMinutes(5)).build();
 * try (LockHandle permit = encoders.acquire()) {   // waits up to 5 min for one of 3 permits
 *     encode();
 * }
 * }</pre>
 *
 * <p><b>Ports.</b> The permits are {@code permits} consecutive ports from the base port that the
 * scheme gives to the key {@code "\0semaphore:" + key} (a NUL, {@code semaphore:}, the key),
 * on that key's address: a namespace apart from the lock of the same key, which hashes the key
 * alone. A permit needs no quorum: a stranger on a permit's port (an outgoing connection's
 * ephemeral port, say) only takes that permit away, it can never let one holder too many in.
 * With the default scheme the ports lie within 40000-60062; a scheme whose range would put a
 * permit past 65535 is refused at {@link Builder#build()}.
 *
 * <p><b>Every process must agree on {@code permits}.</b> The ports do not depend on it, so a
 * process that asks for more permits uses the same first ports and more: at most the largest
 * number in use hold at once, and the processes that ask for fewer may see more holders than
 * they asked for. Ports cannot tell a holder's count, so this is not detected.
 *
 * <p><b>Handles.</b> Each {@link #acquire()} or successful {@link #tryAcquire()} takes one more
 * permit (a thread may hold several; there is no reentrancy and no owner). A permit's
 * {@link LockHandle} may be released from any thread, once: later releases do nothing.
 *
 * <p><b>Thread safety and memory visibility.</b> This class is immutable and thread-safe.
 * Actions prior to the release of a permit happen-before actions following the next acquisition
 * of the same permit in this JVM. Waiting polls every {@code sleepTime} (no wake on release) and
 * holds no monitor, so virtual threads do not pin.
 */
public final class PortSemaphore {
    /** The most permits a semaphore may have: an attempt binds up to this many ports. */
    public static final int MAX_PERMITS = 64;

    private final String key;
    private final List<LockPorts> permits;
    private final long timeoutNanos;
    private final long sleepNanos;
    private final PortBinder binder;
    /** For messages: {@code 127.0.0.1:50001-50003 (3 permits)}. */
    private final String text;

    PortSemaphore(String key, List<LockPorts> permits, Duration timeout, Duration sleepTime,
            PortBinder binder) {
        this.key = key;
        this.permits = permits;
        this.timeoutNanos = Checks.nanos(timeout);
        this.sleepNanos = Checks.nanos(sleepTime);
        this.binder = Objects.requireNonNull(binder, "binder");
        LockPorts first = permits.get(0);
        int n = permits.size();
        this.text = Addresses.withPort(first.address(), first.basePort()
                + (n > 1 ? "-" + (first.basePort() + n - 1) : "")) + " (" + n
                + (n == 1 ? " permit)" : " permits)");
    }

    /**
     * Returns a builder for a semaphore of {@code permits} permits on {@code key}.
     *
     * @param key the semaphore's key, not empty
     * @param permits how many holders at once, 1 to {@value #MAX_PERMITS}
     * @return a new builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     {@code permits} is out of range
     */
    public static Builder builder(String key, int permits) {
        Checks.key(key);
        return new Builder(key, Checks.permits(key, permits, MAX_PERMITS));
    }

    /**
     * Tries once to take a permit, without waiting. The permits are tried from a random one on,
     * so that concurrent acquirers seldom meet on the same port.
     *
     * @return the permit, or empty when every permit is held (or its port otherwise in use)
     * @throws PortlockException if a port cannot be bound for a reason other than contention
     */
    public Optional<LockHandle> tryAcquire() {
        int n = permits.size();
        int start = n == 1 ? 0 : ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            PortHandle h = Quorum.tryAcquire(permits.get((start + i) % n), binder);
            if (h != null) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /**
     * Takes a permit, waiting up to the timeout: an attempt every {@code sleepTime}, and one last
     * attempt at the deadline; the sleep time never stretches the timeout.
     *
     * @return the permit
     * @throws PortlockTimeoutException if every permit is still held at the deadline
     * @throws PortlockException if a port cannot be bound for a reason other than contention
     *     (thrown at once), or if the thread is interrupted while waiting (the interrupt status
     *     is then set again)
     */
    public LockHandle acquire() {
        long start = System.nanoTime();
        while (true) {
            Optional<LockHandle> h = tryAcquire();
            if (h.isPresent()) {
                return h.get();
            }
            long waited = System.nanoTime() - start;
            long remaining = timeoutNanos - waited;
            if (remaining <= 0) {
                throw new PortlockTimeoutException(key, toPortsText(), Duration.ofNanos(waited));
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(sleepNanos, remaining));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PortlockException(key, -1, "interrupted while waiting for a permit of"
                        + " semaphore " + Checks.quote(key) + " (" + toPortsText() + ")", e);
            }
        }
    }

    /**
     * Returns how many holders the semaphore admits at once.
     *
     * @return the number of permits
     */
    public int permits() {
        return permits.size();
    }

    /**
     * Returns the key.
     *
     * @return the semaphore's key
     */
    public String key() {
        return key;
    }

    /**
     * Returns the permits' ports, in ascending order: one port per permit.
     *
     * @return an unmodifiable list of {@link #permits()} ports
     */
    public List<Integer> ports() {
        List<Integer> p = new ArrayList<>(permits.size());
        for (LockPorts l : permits) {
            p.add(l.basePort());
        }
        return List.copyOf(p);
    }

    /**
     * Returns each permit's port as a one-port {@link LockPorts} (quorum 1), in the order of
     * {@link #ports()}: what {@link io.github.k3portlock.status.LockStatus#inspect(LockPorts)}
     * takes to tell whether a permit is in use, and by which process.
     *
     * @return an unmodifiable list of {@link #permits()} targets
     */
    public List<LockPorts> permitPorts() {
        return permits;
    }

    private String toPortsText() {
        return text;
    }

    /** Returns e.g. {@code PortSemaphore{key='k', 127.0.0.1:50001-50003 (3 permits)}}. */
    @Override
    public String toString() {
        return "PortSemaphore{key=" + Checks.quote(key) + ", " + toPortsText() + "}";
    }

    /**
     * Builds a {@link PortSemaphore}; each setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        private final String key;
        private final int permits;
        private Duration timeout = Portlock.DEFAULT_TIMEOUT;
        private Duration sleepTime = Portlock.DEFAULT_SLEEP_TIME;
        private PortScheme scheme = PortScheme.DEFAULT;

        private Builder(String key, int permits) {
            this.key = key;
            this.permits = permits;
        }

        /**
         * Sets how long {@link PortSemaphore#acquire()} waits (default 1 s).
         *
         * @param timeout zero or more; a century or more means "forever"
         * @return this builder
         * @throws NullPointerException if {@code timeout} is null
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
         * @throws NullPointerException if {@code sleepTime} is null
         * @throws IllegalArgumentException if not positive
         */
        public Builder sleepTime(Duration sleepTime) {
            this.sleepTime = Checks.positive(key, "sleepTime", sleepTime);
            return this;
        }

        /**
         * Sets the scheme the permits' ports come from (default {@link PortScheme#DEFAULT}): its
         * host (or wide loopback) and range; its port count and interop do not apply.
         *
         * @param scheme the scheme
         * @return this builder
         * @throws NullPointerException if {@code scheme} is null
         */
        public Builder scheme(PortScheme scheme) {
            this.scheme = Objects.requireNonNull(scheme, "scheme");
            return this;
        }

        /**
         * Builds the semaphore.
         *
         * @return a new semaphore
         * @throws IllegalArgumentException if the last permit's port would pass 65535
         */
        public PortSemaphore build() {
            return new PortSemaphore(key, DerivedPorts.permits(scheme, key, permits), timeout,
                    sleepTime, PortBinder.DEFAULT);
        }
    }
}
