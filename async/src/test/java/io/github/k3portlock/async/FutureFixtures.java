package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.internal.PortBinder;
import io.github.k3portlock.internal.PortHandle;
import io.github.k3portlock.internal.Quorum;
import io.github.k3portlock.testkit.Await;
import io.github.k3portlock.testkit.Fds;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Helpers shared by the async tests: fresh keys, futures with deadlines, free-key probes; fd counts
 * and condition waits delegate to the testkit.
 */
final class FutureFixtures {
    /** Generous: the box has 2 cores and other builds run at the same time. */
    static final Duration PATIENCE = Await.PATIENCE;

    private FutureFixtures() {
    }

    static String key() {
        return "test-" + UUID.randomUUID();
    }

    static Duration ms(long millis) {
        return Duration.ofMillis(millis);
    }

    /** Open socket descriptors of this process ({@link Fds#sockets()}). */
    static long openFds() {
        return Fds.sockets();
    }

    /** Waits until {@code condition} holds ({@link Await#until}), failing with {@code what}. */
    static void await(String what, Duration patience, BooleanSupplier condition) {
        Await.until(what, patience, condition);
    }

    static void await(String what, BooleanSupplier condition) {
        await(what, PATIENCE, condition);
    }

    /** Waits for {@code future} up to the patience; returns its value or throws its failure. */
    static <T> T get(CompletableFuture<T> future) throws ExecutionException {
        try {
            return future.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("future not complete after " + PATIENCE + ": " + future, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Returns the failure of a future expected to fail (unwrapping ExecutionException). */
    static Throwable failure(CompletableFuture<?> future) {
        try {
            Object v = get(future);
            throw new AssertionError("expected a failure, got " + v);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** Tells whether the key's quorum can be bound right now (and unbinds it). */
    static boolean isFree(LockPorts ports) {
        PortHandle h = Quorum.tryAcquire(ports, PortBinder.DEFAULT);
        if (h == null) {
            return false;
        }
        h.release();
        return true;
    }

    static boolean isFree(String key) {
        return isFree(PortScheme.DEFAULT.lockPorts(key));
    }

    static void awaitFree(String key) {
        await("lock '" + key + "' is free", () -> isFree(key));
    }

    /** Waits until the socket count is back to {@code before} (or below); returns the count. */
    static long awaitFds(long before) {
        return Fds.awaitSockets(before, PATIENCE);
    }
}
