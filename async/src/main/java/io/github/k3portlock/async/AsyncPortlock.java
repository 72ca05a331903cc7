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
 * <p><b>Retries.</b> The first attempt is made at once, on the calling thread (binding two or three
 * loopback ports: a few non-blocking system calls). Further attempts run on the scheduler, with a
 * backoff that doubles from {@link Builder#firstDelay(Duration) firstDelay} (1 ms) up to
 * {@link Builder#sleepTime(Duration) sleepTime} (10 ms), with a random jitter of up to 20%: delays
 * below the cap are shortened by it (never below {@code firstDelay}), delays at the cap are
 * lengthened by it, so that a key is never tried more than once per {@code sleepTime} once backed
 * off (on average once per 1.1 {@code sleepTime}). There is no {@link java.nio.channels.Selector} and no
 * thread per waiter: a waiting acquisition is an entry in a queue and at most one scheduled task per
 * key.
 *
 * <p><b>Wake on release.</b> After a failed attempt, the key's poller connects to a port of the
 * key on which the holder listens (every {@link Portlock} and {@code AsyncPortlock} holder does):
 * one connection per key per instance, shared by all of that key's waiters. When the holder
 * closes the port (release, crash, {@code kill -9}), the kernel resets the connection and the
 * poller attempts at once, instead of at its next poll. While connected, the key is polled only
 * every {@code max(sleepTime, 1 s)}, as a safety net; where no port accepts a connection (free
 * ports, the Python original's bind without listen, a full accept queue) polling goes on as
 * above. The connections are {@link java.nio.channels.AsynchronousSocketChannel}s of one shared
 * group with a single daemon thread ({@code k3portlock-async-wake-1}, started with the first
 * connection of the JVM), on which the attempt after a reset runs. The last waiter of a key
 * leaving (acquired, cancelled, timed out) closes its connection.
 *
 * <p><b>Timeouts.</b> With a timeout, an attempt is made at the deadline itself, and if it fails
 * the future completes exceptionally with {@link PortlockTimeoutException} (carrying the key and the
 * time waited) right then, not later (unless the scheduler itself runs late). While the lock is held
 * through this instance, no attempt is needed: the future just fails at its deadline unless the lock
 * was handed to it first, and the timeout's message then says that a handle of this instance holds
 * the key and when it was acquired. The sleep time never stretches the timeout. When many
 * waiters of one key have deadlines less than {@code firstDelay} apart, the earliest one's attempt
 * serves them all, so that a burst of waiters does not cause a burst of attempts. A zero timeout means one attempt, made only if nobody in this JVM holds or
 * waits for the key through this instance (otherwise the lock is not available to it and it fails
 * at once). {@link CompletableFuture#orTimeout orTimeout} works as well; it just completes the
 * future with a {@link java.util.concurrent.TimeoutException} instead.
 *
 * <p><b>Cancellation.</b> Whoever completes the future first wins: {@code cancel},
 * {@code orTimeout}, {@code completeExceptionally}, or this class with a handle. As soon as the
 * future is done, the waiter leaves the queue and its pending attempt is cancelled; no attempt starts
 * on its behalf afterwards, and it is never handed the lock. An attempt that was already binding
 * ports when the future was completed elsewhere, or a handle that was on its way to the future,
 * is released (or passed to the next waiter) at once: a handle the future did not take can never
 * leak. {@code cancel(true)} interrupts nothing (there is no thread to interrupt).
 *
 * <p><b>Many waiters in one JVM.</b> Waiters of one key in one instance share one poller: however
 * many there are, they cost one attempt per backoff interval in total, and only the first waiter
 * (FIFO) can take a lock found free. When a handle obtained from this instance is released while
 * other waiters of its key are queued here, the next one gets the lock at once, with no poll delay:
 * the still-bound ports are handed to it in a new handle (the released handle becomes invalid),
 * so the lock does not leave the JVM in between and no other process can slip in. Waiters are
 * served in arrival order; a waiter whose future was completed elsewhere is skipped. Other
 * processes, other {@code AsyncPortlock} instances and {@link Portlock} instances in this JVM are
 * outsiders: they see the lock held until the last local waiter is served, and learn that it is
 * free from the reset of their connection or from their polling. A JVM that always has a waiter
 * queued can therefore keep the lock from other processes indefinitely; share one instance
 * ({@link #create()} always returns the same one) and hold locks briefly.
 *
 * <p><b>Not reentrant.</b> A handle is not counted per thread or per caller: acquiring a key that
 * is already held through this instance, even from the holder's own callback, queues behind that
 * handle and completes only after it is released (or fails at its deadline).
 *
 * <p><b>Where callbacks run.</b> When the first attempt, on the calling thread, takes the lock,
 * {@code acquire} returns a future that is already complete: no dependent stage can exist yet, so
 * no user code runs there. Otherwise futures are completed on the
 * {@link Builder#completionExecutor(Executor) completion executor}, never on the scheduler thread
 * and never while this class holds an internal lock, so a dependent stage that blocks stalls
 * neither the scheduler nor other waiters. The default is a shared, unbounded pool of daemon
 * threads named {@code k3portlock-async-completion-N}, created on demand and ended after 30
 * seconds idle: a completion never waits behind a blocked callback, so callbacks may block, even
 * on another acquisition, without starving the delivery of other handles or timeouts (each
 * blocked callback costs a thread). Dependent stages added with
 * {@code thenApply} and friends run on that executor, or on the caller's thread if the future is
 * already complete when they are added (the usual {@code CompletableFuture} rule); the
 * {@code *Async} variants run where you say. If the completion executor refuses a task, the
 * future is completed on the thread that found out (the scheduler, or a releasing thread), and an
 * acquisition that had got the lock fails with a {@link PortlockException} and the lock goes to the
 * next waiter. A user completion executor must run every task it accepts; if it is an
 * {@link ExecutorService} that is shut down while handles are on their way through it
 * ({@code shutdownNow()} drops queued tasks), those acquisitions fail with a
 * {@link PortlockException} within about a second and the lock goes to the next waiter. An
 * executor that accepts a task and silently discards it while running (a
 * {@code DiscardPolicy}) cannot be detected: the handle is lost and the lock stays taken by nobody
 * until this JVM exits. Do not use one.
 *
 * <p><b>Errors.</b> Misuse (null or empty key, negative timeout, null action) throws at once, from
 * the method itself. A permanent bind failure (address not local, permission denied, too many open
 * files) completes the future exceptionally with {@link PortlockException} at once, never as a
 * timeout; it fails every waiter of that key. If the scheduler is shut down, new acquisitions fail
 * at once and pending ones fail with a {@link PortlockException} when their next attempt is refused,
 * or, for a user scheduler, within about a second in any case (a check on the JDK's
 * {@code CompletableFuture.delayedExecutor} catches {@code shutdownNow()}, which drops pending
 * attempts silently). Handles already granted stay valid.
 *
 * <p><b>Thread safety and memory visibility.</b> This class is thread-safe, and so are the
 * handles it returns: any thread may release a handle, releasing twice has no effect, and after a
 * hand-over the old handle stays invalid. Actions prior to releasing a handle happen-before actions
 * in stages that depend on the next successful acquisition of the same key in this JVM (by this
 * instance, by another instance, or by a {@link Portlock}). Actions prior to calling
 * {@code acquire} happen-before the attempts made for it.
 *
 * <p><b>Limits.</b> The scheduling is best-effort: a busy or slow scheduler delays attempts and
 * timeouts, and one scheduler thread binds for every polling key. A handle that becomes unreachable
 * is not released by garbage collection; release it. The lock's own limits (advisory, one network
 * namespace, false contention between keys) are those of {@link Portlock}.
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
    private final AtomicInteger pending = new AtomicInteger();
    /** Handles granted to a waiter whose future was completed elsewhere first; for tests. */
    final LongAdder grantsRefused = new LongAdder();

    private AsyncPortlock(Builder b, Tuning tuning) {
        this.scheduler = b.scheduler == null ? DefaultExecutors.scheduler() : b.scheduler;
        this.completer = new Completer(
                b.completionExecutor == null ? DefaultExecutors.completion() : b.completionExecutor);
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

    /**
     * Returns a builder for an instance with its own scheduler, completion executor, backoff or
     * port scheme.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Acquires the lock on {@code key}, waiting as long as it takes. The future completes with a
     * valid handle once the lock is taken, or exceptionally with {@link PortlockException} on a
     * permanent failure; it never times out by itself (use {@link #acquire(String, Duration)} or
     * {@link CompletableFuture#orTimeout orTimeout}). Completing it in any other way stops the wait.
     *
     * @param key the lock key, not empty
     * @return a future of the handle, returned at once
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate
     */
    @Override
    public CompletableFuture<LockHandle> acquire(String key) {
        checkKey(key);
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
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate or {@code timeout} negative
     */
    @Override
    public CompletableFuture<LockHandle> acquire(String key, Duration timeout) {
        checkKey(key);
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
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate or {@code timeout} negative
     */
    @Override
    public <T> CompletableFuture<T> withLock(String key, Duration timeout,
            Function<? super LockHandle, ? extends CompletionStage<T>> action) {
        checkKey(key);
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
                + ", sleepTime=" + Duration.ofNanos(backoff.sleepNanos()) + ", keys=" + pollers.size()
                + ", waiting=" + pending.get() + "}";
    }

    /**
     * Rejects a bad key at once (core's one key check). The key is hashed to its ports only when
     * its poller is created, not on every call: waiters of a key already polled cost no hashing.
     */
    private static void checkKey(String key) {
        Checks.key(key); // null, empty, unpaired surrogates: as Portlock reports them
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

    /** The timeout in nanoseconds, or {@code -1} for none (a century or more: {@link Checks#FOREVER}). */
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

    /** The counter of waiters queued in this instance, shared by its pollers. */
    AtomicInteger pending() {
        return pending;
    }

    /** Number of waiters queued in this instance, for tests. */
    int pendingCount() {
        return pending.get();
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
         * executor whose threads all block in callbacks waiting for other acquisitions deadlocks:
         * those acquisitions are completed through the same executor. {@code Runnable::run} completes them on the scheduler thread (or the thread
         * that releases a handle): fastest, but a blocking callback then stalls every waiter. With
         * such an executor, hand-overs from callbacks that release (the next holder's callback
         * releasing in turn, and so on) nest on one stack up to 16 deep; deeper ones run after
         * the outer callback returns, so that long queues cannot overflow the stack.
         *
         * <p>The executor must run every task it accepts. If it is an {@link ExecutorService} and
         * is shut down while handles are on their way through it, those acquisitions fail with a
         * {@link PortlockException} within about a second and the lock is passed on; later
         * acquisitions fail when it refuses their task (one that takes a free lock on the calling
         * thread needs no task). An executor that silently discards tasks
         * it accepted (for example with {@code ThreadPoolExecutor.DiscardPolicy}) while not shut
         * down loses the handle: the lock stays taken, by nobody, until the JVM exits.
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
