/**
 * Asynchronous acquisition of k3portlock's cross-process lock: {@link AsyncPortlock} returns {@code
 * CompletableFuture<LockHandle>} at once and retries on a {@link
 * java.util.concurrent.ScheduledExecutorService}, without a thread per waiter. This page is the
 * contract of {@link AsyncPortlock}; {@link AsyncLocks} is the interface every backend implements.
 *
 * <h2 id="retries">Retries</h2>
 *
 * <p>The first attempt is made at once, on the calling thread (binding two or three loopback ports:
 * a few non-blocking system calls). Further attempts run on the scheduler, with a backoff that
 * doubles from {@link AsyncPortlock.Builder#firstDelay(java.time.Duration) firstDelay} (1 ms) up to
 * {@link AsyncPortlock.Builder#sleepTime(java.time.Duration) sleepTime} (10 ms), with a random
 * jitter of up to 20%: delays below the cap are shortened by it (never below {@code firstDelay}),
 * delays at the cap are lengthened by it, so that a key is never tried more than once per {@code
 * sleepTime} once backed off (on average once per 1.1 {@code sleepTime}). There is no thread per
 * waiter: a waiting acquisition is an entry in a queue and at most one scheduled task per key.
 *
 * <h2 id="wake-on-release">Wake on release</h2>
 *
 * <p>After a failed attempt, the key's poller connects to a port of the key on which the holder
 * listens (every {@link io.github.k3portlock.Portlock} and {@code AsyncPortlock} holder does): one
 * connection per key per instance, shared by all of that key's waiters, with a ticket (its wait
 * start). On release the holder accepts the queued connections and tells the oldest ticket
 * "yours", the others "wait" (see "Fairness" on the {@code io.github.k3portlock} package page); a
 * crash or {@code kill -9} resets them; either way the poller attempts at once (or, told to wait,
 * when the next holder listens), instead of at its next poll. While connected, the key is polled
 * only every {@code max(sleepTime, 1 s)}, as a safety net; where no port accepts a connection
 * (free ports, the Python original's bind without listen, a full accept queue) polling goes on
 * as above. The connections
 * are non-blocking {@link java.nio.channels.SocketChannel}s served by a single daemon thread
 * ({@code k3portlock-async-wake-1}, started with the first connection of the JVM) waiting in one
 * {@link java.nio.channels.Selector}, on which the attempt after a reset runs. The last waiter of
 * a key leaving (acquired, cancelled, timed out) closes its connection with a reset
 * ({@code SO_LINGER=0}), as a blocking waiter does: no {@code CLOSE_WAIT} is left on the holder's
 * port, and no {@code FIN_WAIT2} or {@code TIME_WAIT} here. Each closed connection still takes a
 * place in the holder's accept queue until the holder releases (it accepts only then); once
 * the queue of one port is full, a connect there times out and the next port of the key is
 * tried.
 *
 * <h2 id="timeouts">Timeouts</h2>
 *
 * <p>With a timeout, an attempt is made at the deadline itself, and if it fails the future
 * completes exceptionally with {@link io.github.k3portlock.PortlockTimeoutException} (carrying the
 * key and the time waited) right then, not later (unless the scheduler itself runs late). While the
 * lock is held through this instance, no attempt is needed: the future just fails at its deadline
 * unless the lock was handed to it first, and the timeout's message then says that a handle of this
 * instance holds the key and when it was acquired. The sleep time never stretches the timeout. When
 * many waiters of one key have deadlines less than {@code firstDelay} apart, the earliest one's
 * attempt serves them all, so that a burst of waiters does not cause a burst of attempts. A zero
 * timeout means one attempt, made only if nobody in this JVM holds or waits for the key through
 * this instance (otherwise the lock is not available to it and it fails at once). {@link
 * java.util.concurrent.CompletableFuture#orTimeout orTimeout} works as well; it just completes the
 * future with a {@link java.util.concurrent.TimeoutException} instead.
 *
 * <h2 id="cancellation">Cancellation</h2>
 *
 * <p>Whoever completes the future first wins: {@code cancel}, {@code orTimeout}, {@code
 * completeExceptionally}, or this class with a handle. As soon as the future is done, the waiter
 * leaves the queue and its pending attempt is cancelled; no attempt starts on its behalf
 * afterwards, and it is never handed the lock. An attempt that was already binding ports when the
 * future was completed elsewhere, or a handle that was on its way to the future, is released (or
 * passed to the next waiter) at once: a handle the future did not take can never leak. {@code
 * cancel(true)} interrupts nothing (there is no thread to interrupt).
 *
 * <h2 id="many-waiters-in-one-jvm">Many waiters in one JVM</h2>
 *
 * <p>Waiters of one key in one instance share one poller: however many there are, they cost one
 * attempt per backoff interval in total, and only the first waiter (FIFO) can take a lock found
 * free. When a handle obtained from this instance is released while other waiters of its key are
 * queued here, the next one gets the lock at once, with no poll delay: the still-bound ports are
 * handed to it in a new handle (the released handle becomes invalid), so the lock does not leave
 * the JVM in between and no other process can slip in. Waiters are served in arrival order; a
 * waiter whose future was completed elsewhere is skipped. Other processes, other {@code
 * AsyncPortlock} instances and {@link io.github.k3portlock.Portlock} instances in this JVM are
 * outsiders: they see the lock held until the last local waiter is served, and learn that it is
 * free from the reset of their connection or from their polling. A JVM that always has a waiter
 * queued can therefore keep the lock from other processes indefinitely; share one instance ({@link
 * AsyncPortlock#create()} always returns the same one) and hold locks briefly.
 *
 * <h2 id="modes-and-permits">Shared holds and permits</h2>
 *
 * <p>{@link AsyncPortlock#acquire(String, io.github.k3portlock.LockMode, java.time.Duration)}
 * with {@code SHARED} and {@link AsyncPortlock#acquirePermit(String, int, java.time.Duration)}
 * take the same ports as a shared {@link io.github.k3portlock.Portlock} and a {@link
 * io.github.k3portlock.PortSemaphore}: they hold and count together with them, across processes.
 * Each such acquisition has a poller of its own (holds of one key coexist, so there is nothing to
 * queue behind or hand over), with the guarantees above: one scheduled task, no thread, nothing
 * left when its future is completed elsewhere. A shared waiter watches the exclusive holder it
 * waits for, as an exclusive waiter does; a permit waiter polls (any of the holders may release
 * first, and a line watches only one). An exclusive poller that has to wait holds the key's
 * writer gate until it holds the key or its last waiter leaves, so readers that begin after it
 * wait (the bound is {@link io.github.k3portlock.LockMode}'s).
 *
 * <h2 id="not-reentrant">Not reentrant</h2>
 *
 * <p>A handle is not counted per thread or per caller: acquiring a key that is already held through
 * this instance, even from the holder's own callback, queues behind that handle and completes only
 * after it is released (or fails at its deadline).
 *
 * <h2 id="where-callbacks-run">Where callbacks run</h2>
 *
 * <p>When the first attempt, on the calling thread, takes the lock, {@code acquire} returns a
 * future that is already complete: no dependent stage can exist yet, so no user code runs there.
 * Otherwise futures are completed on the {@link
 * AsyncPortlock.Builder#completionExecutor(java.util.concurrent.Executor) completion executor},
 * never on the scheduler thread and never while this class holds an internal lock, so a dependent
 * stage that blocks stalls neither the scheduler nor other waiters. The default is a shared,
 * unbounded pool of daemon threads named {@code k3portlock-async-completion-N}, created on demand
 * and ended after 30 seconds idle: a completion never waits behind a blocked callback, so callbacks
 * may block, even on another acquisition, without starving the delivery of other handles or
 * timeouts (each blocked callback costs a thread). Dependent stages added with {@code thenApply}
 * and friends run on that executor, or on the caller's thread if the future is already complete
 * when they are added (the usual {@code CompletableFuture} rule); the {@code *Async} variants run
 * where you say. If the completion executor refuses a task, the future is completed on the thread
 * that found out (the scheduler, or a releasing thread), and an acquisition that had got the lock
 * fails with a {@link io.github.k3portlock.PortlockException} and the lock goes to the next waiter.
 * A user completion executor must run every task it accepts; if it is an {@link
 * java.util.concurrent.ExecutorService} that is shut down while handles are on their way through it
 * ({@code shutdownNow()} drops queued tasks), those acquisitions fail with a {@link
 * io.github.k3portlock.PortlockException} within about a second and the lock goes to the next
 * waiter. An executor that accepts a task and silently discards it while running (a {@code
 * DiscardPolicy}) cannot be detected: the handle is lost and the lock stays taken by nobody until
 * this JVM exits. Do not use one.
 *
 * <h2 id="errors">Errors</h2>
 *
 * <p>Misuse (null or empty key, negative timeout, null action) throws at once, from the method
 * itself. A permanent bind failure (address not local, permission denied, too many open files)
 * completes the future exceptionally with {@link io.github.k3portlock.PortlockException} at once,
 * never as a timeout; it fails every waiter of that key. If the scheduler is shut down, new
 * acquisitions fail at once and pending ones fail with a {@link
 * io.github.k3portlock.PortlockException} when their next attempt is refused, or, for a user
 * scheduler, within about a second in any case (a check on the JDK's {@code
 * CompletableFuture.delayedExecutor} catches {@code shutdownNow()}, which drops pending attempts
 * silently). Handles already granted stay valid.
 *
 * <h2 id="thread-safety-and-memory-visibility">Thread safety and memory visibility</h2>
 *
 * <p>This class is thread-safe, and so are the handles it returns: any thread may release a handle,
 * releasing twice has no effect, and after a hand-over the old handle stays invalid. Actions prior
 * to releasing a handle happen-before actions in stages that depend on the next successful
 * acquisition of the same key in this JVM (by this instance, by another instance, or by a {@link
 * io.github.k3portlock.Portlock}). Actions prior to calling {@code acquire} happen-before the
 * attempts made for it.
 *
 * <h2 id="limits">Limits</h2>
 *
 * <p>The scheduling is best-effort: a busy or slow scheduler delays attempts and timeouts, and one
 * scheduler thread binds for every polling key. A handle that becomes unreachable is not released
 * by garbage collection; release it. The lock's own limits (advisory, one network namespace, false
 * contention between keys) are those of {@link io.github.k3portlock.Portlock}.
 */
package io.github.k3portlock.async;
