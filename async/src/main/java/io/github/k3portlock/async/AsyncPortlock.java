package io.github.k3portlock.async;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.LockEvents;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Acquires k3portlock's cross-process lock without blocking: {@link #acquire(String, Duration)}
 * returns a {@code CompletableFuture<LockHandle>} at once and retries on a
 * {@link ScheduledExecutorService} until the lock is taken, the deadline passes, or anyone
 * completes the future.
 *
 * <pre>{@code
 * AsyncPortlock locks = AsyncPortlock.create();
 *
 * // Run a stage under the lock; the lock is released however the stage ends.
 * CompletableFuture<Report> report = locks.withLock("nightly-report", Duration.ofSeconds(5),
 *         handle -> buildReportAsync());
 *
 * // Or hold the handle yourself.
 * locks.acquire("nightly-report", Duration.ofSeconds(5))
 *      .thenCompose(handle -> buildReportAsync().whenComplete((r, e) -> handle.release()));
 * }</pre>
 *
 * <p>The first attempt is made at once, on the calling thread; further attempts run on the
 * scheduler with a backoff from {@link Builder#firstDelay(Duration) firstDelay} to
 * {@link Builder#sleepTime(Duration) sleepTime}, and the release of a holder that listens wakes
 * the waiters at once. Futures are completed on the
 * {@link Builder#completionExecutor(Executor) completion executor}, never while this class holds
 * an internal lock. The whole contract (retries, wake on release, timeouts, cancellation, many
 * waiters, where callbacks run, errors, limits) is written in the
 * {@linkplain io.github.k3portlock.async package documentation}.
 *
 * <p><b>Thread safety and memory visibility.</b> This class is thread-safe, and so are the
 * handles it returns. Actions prior to releasing a handle happen-before actions in stages that
 * depend on the next successful acquisition of the same key in this JVM (see the
 * {@linkplain io.github.k3portlock.async package documentation}). A handle the future did not take
 * is released at once: a handle can never leak.
 */
public final class AsyncPortlock implements AsyncLocks {
    /** The default first retry delay: 1 millisecond. */
    public static final Duration DEFAULT_FIRST_DELAY = Duration.ofMillis(1);
    /** The default cap of the retry delay: 10 milliseconds, the Python original's sleep time. */
    public static final Duration DEFAULT_SLEEP_TIME = Portlock.DEFAULT_SLEEP_TIME;

    final ScheduledExecutorService scheduler;
    final Completer completer;
    final Backoff backoff;
    final Tuning tuning;
    final ShutdownWatch watch;
    private final PortScheme scheme;

    private final ConcurrentHashMap<String, KeyPoller> pollers = new ConcurrentHashMap<>();
    /** Waiters queued in this instance, counted by its pollers' queues. */
    final AtomicInteger pending = new AtomicInteger();
    /** Handles granted to a waiter whose future was completed elsewhere first; for tests. */
    final LongAdder grantsRefused = new LongAdder();

    private AsyncPortlock(Builder b, Tuning tuning) {
        this.scheduler = b.scheduler == null ? DefaultExecutors.scheduler() : b.scheduler;
        this.completer = new Completer(
                b.completionExecutor == null ? DefaultExecutors.completion()
                        : b.completionExecutor);
        this.backoff = new Backoff(b.firstDelay.toNanos(), b.sleepTime.toNanos());
        this.scheme = b.scheme;
        this.tuning = tuning;
        this.watch = new ShutdownWatch(b.scheduler,
                b.completionExecutor instanceof ExecutorService es ? es : null,
                tuning.shutdownCheck().toNanos(), pollers::values, pending::get);
    }

    /**
     * Returns the default instance: the default {@link PortScheme}, 1 ms first delay, 10 ms sleep
     * time, on a shared daemon scheduler thread ({@code k3portlock-async-scheduler}, created on
     * first use, with remove-on-cancel) and the shared completion pool. Every call returns the same
     * instance, so that all its users in this JVM share pollers and local hand-over.
     *
     * @return the shared default instance
     */
    public static AsyncPortlock create() {
        return DefaultInstance.INSTANCE;
    }

    /** {@return a new builder, for an instance with its own executors, backoff or scheme} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Acquires the lock on {@code key}, waiting as long as it takes. The future completes with a
     * valid handle once the lock is taken, or exceptionally with {@link PortlockException} on a
     * permanent failure; it never times out by itself (use {@link #acquire(String, Duration)} or
     * {@link CompletableFuture#orTimeout orTimeout}). Completing it in any other way stops the
     * wait.
     *
     * @param key the lock key, not empty
     * @return a future of the handle, returned at once
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    @Override
    public CompletableFuture<LockHandle> acquire(String key) {
        Checks.key(key); // null, empty, unpaired surrogates: as Portlock reports them
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        start(key, -1, future);
        return future;
    }

    /**
     * Acquires the lock on {@code key}, waiting up to {@code timeout}. The future completes with a
     * valid handle once the lock is taken; exceptionally with {@link PortlockTimeoutException} at
     * the deadline if an attempt made at the deadline still fails; or exceptionally with
     * {@link PortlockException} at once on a permanent failure. Completing it in any other way
     * ({@code cancel}, {@code orTimeout}, {@code completeExceptionally}) stops the wait.
     *
     * @param key the lock key, not empty
     * @param timeout how long to wait; zero means a single attempt; a century or longer means no
     *     timeout
     * @return a future of the handle, returned at once
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     {@code timeout} is negative
     */
    @Override
    public CompletableFuture<LockHandle> acquire(String key, Duration timeout) {
        Checks.key(key); // null, empty, unpaired surrogates: as Portlock reports them
        long timeoutNanos = timeoutNanos(key, timeout);
        CompletableFuture<LockHandle> future = new CompletableFuture<>();
        start(key, timeoutNanos, future);
        return future;
    }

    /**
     * Runs {@code action} under the lock on {@code key} and releases the lock however it ends.
     *
     * <p>Once the lock is acquired (waiting up to {@code timeout}), {@code action} is called with
     * the handle, on the completion executor. The returned future completes like the stage the
     * action returns, after the lock has been released; if acquiring fails, it completes with that
     * failure and the action is not called. The lock is released when the action's stage
     * completes normally or exceptionally, when the action throws or returns {@code null} (the
     * future then fails with that exception, or a {@link NullPointerException}), and at once when
     * the returned future is completed by anyone else ({@code cancel}, {@code orTimeout},
     * {@code completeExceptionally}). If that happens before the action was called, the action
     * is never called, even if the lock had already been taken. Otherwise the action's stage is
     * <em>not</em> cancelled: it may be shared, and cancelling a {@code CompletableFuture} stops
     * no work anyway; whatever it still does, it does without the lock. Cancel it yourself if it
     * must stop.
     *
     * @param <T> the result type
     * @param key the lock key, not empty
     * @param timeout how long to wait for the lock, as in {@link #acquire(String, Duration)}
     * @param action starts the work to do under the lock and returns its stage
     * @return a future of the stage's result
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate, or
     *     {@code timeout} is negative
     */
    @Override
    public <T> CompletableFuture<T> withLock(String key, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        Checks.key(key); // null, empty, unpaired surrogates: as Portlock reports them
        long timeoutNanos = timeoutNanos(key, timeout);
        Objects.requireNonNull(action, "action");
        WithLockCall<T> call = new WithLockCall<>(key, action, tuning.beforeAction(),
                new CompletableFuture<>());
        start(key, timeoutNanos, call.acquired);
        return call.result;
    }

    @Override
    public String toString() {
        return "AsyncPortlock{" + scheme + ", firstDelay="
                + Duration.ofNanos(backoff.firstDelayNanos())
                + ", sleepTime=" + Duration.ofNanos(backoff.sleepNanos())
                + ", keys=" + pollers.size()
                + ", waiting=" + pending.get() + "}";
    }

    private void start(String key, long timeoutNanos, CompletableFuture<LockHandle> future) {
        long now = now();
        boolean timed = timeoutNanos >= 0;
        Acquisition w = new Acquisition(future, now, timed, timed ? now + timeoutNanos : 0);
        if (scheduler.isShutdown()) {
            w.done();
            completer.fail(w, Failures.schedulerShutDown(scheme.lockPorts(key), scheduler));
            return;
        }
        KeyPoller poller;
        do {
            poller = pollers.computeIfAbsent(key, k -> new KeyPoller(this, scheme.lockPorts(k)));
        } while (!poller.start(w));
        KeyPoller p = poller;
        LockEvents.Wait event = LockEvents.beginWait(); // null unless the flight recorder wants it
        // Registered after start(): nobody else can complete this future before we return it.
        future.whenComplete((value, failure) -> {
            p.onFutureDone(w, value);
            LockEvents.endWait(event, key, outcome(value, failure));
        });
    }

    /** How a wait ended, for the flight recorder's Wait event. */
    private static String outcome(LockHandle value, Throwable failure) {
        if (failure == null) {
            return value != null ? "acquired" : "completed by the caller";
        }
        Throwable f = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (f instanceof PortlockTimeoutException || f instanceof TimeoutException) {
            return "timeout";
        }
        return f instanceof CancellationException ? "cancelled" : "error";
    }

    /** The timeout in nanoseconds, or {@code -1} for none (a century or more). */
    static long timeoutNanos(String key, Duration timeout) {
        long nanos = Checks.nanos(Checks.timeout(key, timeout));
        return nanos >= Checks.FOREVER_NANOS ? -1 : nanos;
    }

    long now() {
        return tuning.clock().getAsLong();
    }

    /** The delay after the {@code failures}-th failed attempt, with a fresh jitter. */
    long backoffNanos(int failures) {
        return backoff.delayNanos(failures, tuning.jitter().getAsDouble());
    }

    void retire(KeyPoller poller) {
        pollers.remove(poller.target.key(), poller);
    }

    /** Number of keys with a poller (waiters or a handle out), for tests. */
    int activeKeys() {
        return pollers.size();
    }

    private static final class DefaultInstance {
        static final AsyncPortlock INSTANCE = builder().build();
    }

    /**
     * Builds an {@link AsyncPortlock}; each setter checks its argument at once. Not thread-safe.
     */
    public static final class Builder {
        private ScheduledExecutorService scheduler;
        private Executor completionExecutor;
        private Duration firstDelay = DEFAULT_FIRST_DELAY;
        private Duration sleepTime = DEFAULT_SLEEP_TIME;
        private PortScheme scheme = PortScheme.DEFAULT;

        private Builder() {
        }

        /**
         * Sets the scheduler that runs retries (default: the shared daemon scheduler). It is not
         * shut down by this class. If you shut it down, new acquisitions fail at once and pending
         * ones fail with a {@link PortlockException} within about a second. Give it
         * remove-on-cancel ({@code ScheduledThreadPoolExecutor.setRemoveOnCancelPolicy(true)}) or
         * cancelled attempts stay in its queue until their time. One thread is enough for any
         * number of waiters; all bind attempts run on it.
         *
         * @param scheduler the scheduler
         * @return this builder
         * @throws NullPointerException if {@code scheduler} is null
         * @throws IllegalStateException if a scheduler was already set
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            Objects.requireNonNull(scheduler, "scheduler");
            requireState(this.scheduler == null, "scheduler was already set to " + this.scheduler);
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Sets the executor that completes the futures, and so runs their non-async dependent
         * stages and {@link #withLock withLock}'s action (default: a shared, unbounded pool of
         * daemon threads, so that a blocked callback never delays another completion). A bounded
         * executor whose threads all block in callbacks waiting for other acquisitions
         * deadlocks. {@code Runnable::run} is fastest, but a blocking callback then stalls every
         * waiter; hand-overs from callbacks that release nest on one stack up to 16 deep, deeper
         * ones run after the outer callback returns.
         *
         * <p>The executor must run every task it accepts: one shut down while handles are on
         * their way through it fails those acquisitions within about a second and passes the
         * lock on; one that silently discards accepted tasks (a {@code DiscardPolicy}) loses the
         * handle, and the lock stays taken until the JVM exits. See "Where callbacks run" in the
         * {@linkplain io.github.k3portlock.async package documentation}.
         *
         * @param executor the executor
         * @return this builder
         * @throws NullPointerException if {@code executor} is null
         * @throws IllegalStateException if an executor was already set
         */
        public Builder completionExecutor(Executor executor) {
            Objects.requireNonNull(executor, "executor");
            requireState(this.completionExecutor == null,
                    "completion executor was already set to " + this.completionExecutor);
            this.completionExecutor = executor;
            return this;
        }

        /**
         * Sets the first retry delay (default 1 ms); it doubles per failed attempt up to
         * {@link #sleepTime(Duration) sleepTime}.
         *
         * @param firstDelay positive, and at most the sleep time
         * @return this builder
         * @throws NullPointerException if {@code firstDelay} is null
         * @throws IllegalArgumentException if not positive, or beyond a century
         */
        public Builder firstDelay(Duration firstDelay) {
            this.firstDelay = checkDelay("firstDelay", firstDelay);
            return this;
        }

        /**
         * Sets the longest retry delay (default 10 ms, as the blocking {@link Portlock}): once
         * backed off, each key is tried at most once per sleep time (delays at the cap are
         * lengthened by a jitter of up to 20%), whatever the number of waiters; attempts at
         * waiters' deadlines come on top.
         *
         * @param sleepTime positive, and at least the first delay
         * @return this builder
         * @throws NullPointerException if {@code sleepTime} is null
         * @throws IllegalArgumentException if not positive, or beyond a century
         */
        public Builder sleepTime(Duration sleepTime) {
            this.sleepTime = checkDelay("sleepTime", sleepTime);
            return this;
        }

        /**
         * Sets how keys map to ports (default {@link PortScheme#DEFAULT}).
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
         * Builds the instance.
         *
         * @return a new {@link AsyncPortlock}
         * @throws IllegalStateException if the first delay exceeds the sleep time
         */
        public AsyncPortlock build() {
            return build(Tuning.DEFAULT);
        }

        /** Builds the instance with test knobs: a fake binder, clock, jitter or hooks. */
        AsyncPortlock build(Tuning tuning) {
            Objects.requireNonNull(tuning, "tuning");
            requireState(firstDelay.compareTo(sleepTime) <= 0,
                    "firstDelay " + firstDelay + " must not exceed sleepTime " + sleepTime);
            return new AsyncPortlock(this, tuning);
        }

        private static Duration checkDelay(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            if (d.compareTo(Checks.FOREVER) > 0) {
                throw new IllegalArgumentException(name + " must be at most a century, got " + d);
            }
            return d;
        }

        private static void requireState(boolean ok, String message) {
            if (!ok) {
                throw new IllegalStateException(message);
            }
        }
    }
}
