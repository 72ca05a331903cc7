package io.github.k3portlock.examples;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.async.AsyncPortlock;
import java.io.PrintStream;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * The async API in CompletableFuture pipelines: {@code acquire(...).thenCompose(...)},
 * {@code withLock}, {@code orTimeout}, a timeout, and a cancelled acquisition; after each, the
 * program checks that the lock is free again (nothing leaked).
 *
 * <p>Run: {@code java -cp examples/target/k3portlock-examples.jar
 * io.github.k3portlock.examples.AsyncPipeline}.
 */
public final class AsyncPipeline {
    private AsyncPipeline() {
    }

    public static void main(String[] args) {
        run(System.out, args.length > 0 ? args[0] : "pipeline-" + UUID.randomUUID());
    }

    static void run(PrintStream out, String key) {
        AsyncPortlock locks = AsyncPortlock.create(); // shared daemon scheduler

        // 1. acquire, then compose the work; release when the work's stage completes.
        String result = locks.acquire(key, Duration.ofSeconds(5))
                .thenCompose(handle -> doWork("report for " + handle.key().length() + "-char key")
                        .whenComplete((r, e) -> handle.release()))
                .join();
        out.println("thenCompose: " + result);
        out.println("free after thenCompose: " + isFree(key));

        // 2. withLock: the helper releases on every outcome.
        String value = locks.withLock(key, Duration.ofSeconds(5),
                handle -> doWork("withLock value")).join();
        out.println("withLock: " + value);
        CompletableFuture<String> failing = locks.withLock(key, Duration.ofSeconds(5),
                handle -> CompletableFuture.failedFuture(new IllegalStateException("work failed")));
        out.println("withLock failure: " + causeOf(failing).getMessage());
        out.println("free after withLock: " + isFree(key));

        // 3. While another holder (a blocking Portlock here; another process would do the same)
        //    has the key, waiting ends by orTimeout, by the acquire timeout, or by cancel.
        try (Portlock other = new Portlock(key)) {
            other.acquire();
            CompletableFuture<LockHandle> timedOut =
                    locks.acquire(key).orTimeout(100, TimeUnit.MILLISECONDS);
            out.println("orTimeout: " + causeOf(timedOut).getClass().getSimpleName());

            CompletableFuture<LockHandle> deadline = locks.acquire(key, Duration.ofMillis(100));
            PortlockTimeoutException t = (PortlockTimeoutException) causeOf(deadline);
            out.println("acquire timeout: " + t.getClass().getSimpleName() + " after >= 100 ms: "
                    + (t.waited().toMillis() >= 100));

            CompletableFuture<LockHandle> cancelled = locks.acquire(key);
            out.println("cancel: " + cancelled.cancel(true) + ", "
                    + causeOf(cancelled).getClass().getSimpleName());
        }
        out.println("free after timeouts and cancel: " + isFree(key));

        // 4. A waiter gets the lock when the other holder releases it.
        Portlock other = new Portlock(key);
        other.acquire();
        CompletableFuture<LockHandle> waiting = locks.acquire(key, Duration.ofSeconds(5));
        out.println("waiting while held elsewhere: " + !waiting.isDone());
        other.release();
        try (LockHandle handle = waiting.join()) {
            out.println("acquired after release: " + handle.isValid());
        }
        out.println("free at the end: " + isFree(key));
    }

    private static CompletableFuture<String> doWork(String what) {
        return CompletableFuture.supplyAsync(() -> what);
    }

    private static Throwable causeOf(CompletableFuture<?> f) {
        try {
            f.join();
            throw new AssertionError("expected a failure");
        } catch (CancellationException e) {
            return e;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private static boolean isFree(String key) {
        try (Portlock probe = new Portlock(key, Duration.ofSeconds(2))) {
            probe.acquire(); // may wait for a release still in flight on another thread
            return true;
        } catch (PortlockTimeoutException e) {
            return false;
        }
    }
}
