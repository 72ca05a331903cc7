package io.github.k3portlock.async;

import static io.github.k3portlock.async.FutureFixtures.await;
import static io.github.k3portlock.async.FutureFixtures.awaitFree;
import static io.github.k3portlock.async.FutureFixtures.get;
import static io.github.k3portlock.async.FutureFixtures.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.PortScheme;
import io.github.k3portlock.testkit.ChildJvm;
import io.github.k3portlock.testkit.KeyHolder;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An async waiter here and a lock holder in a child JVM exclude each other for real. */
class CrossProcessTest {
    private final String key = key();
    private final CountingBinder binder =
            new CountingBinder(PortScheme.DEFAULT.lockPorts(key).basePort(), null);
    private final AsyncPortlock locks = AsyncPortlock.builder()
            .build(Tuning.DEFAULT.withBinder(binder));
    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        awaitFree(key);
        await("nothing bound here", () -> binder.openNow() == 0);
    }

    private void startHolder() throws IOException {
        child = ChildJvm.start(KeyHolder.class, "hold", key);
        String locked = ChildJvm.awaitLine(child, ""); // the first line, whatever it is
        assertTrue(locked.startsWith("LOCKED "), locked);
    }

    @Test
    void anAsyncWaiterGetsTheLockWhenTheHolderInAnotherJvmReleases() throws Exception {
        startHolder();
        CompletableFuture<LockHandle> f = locks.acquire(key, Duration.ofSeconds(60));
        await("several attempts failed against the child", () -> binder.attempts.get() >= 5);
        assertFalse(f.isDone(), "the child holds the lock");

        ChildJvm.send(child, "release");
        assertEquals("RELEASED", ChildJvm.awaitLine(child, ""));
        long released = System.nanoTime();
        LockHandle h = get(f);
        long latency = System.nanoTime() - released;
        assertTrue(h.isValid());
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        System.out.printf("[cross-process] async waiter got the lock %.1f ms after the child"
                + " reported its release%n", latency / 1e6);
        h.release();
    }

    @Test
    void anAsyncWaiterGetsTheLockWhenTheHolderInAnotherJvmIsKilled() throws Exception {
        startHolder();
        CompletableFuture<LockHandle> f = locks.acquire(key);
        await("several attempts failed against the child", () -> binder.attempts.get() >= 5);
        assertFalse(f.isDone());
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        long died = System.nanoTime();
        LockHandle h = get(f);
        System.out.printf("[cross-process] async waiter got the lock %.1f ms after the holder"
                + " was killed (destroyForcibly)%n", (System.nanoTime() - died) / 1e6);
        assertTrue(h.isValid());
        h.release();
    }

    @Test
    void aLockHeldHereAndHandedOverLocallyStaysExcludedForAnotherJvm() throws Exception {
        LockHandle first = get(locks.acquire(key));
        CompletableFuture<LockHandle> next = locks.acquire(key);
        assertEquals("BUSY", tryInChild());
        first.release(); // hand-over: the ports never become free
        LockHandle second = get(next);
        assertEquals("BUSY", tryInChild());
        second.release();
        awaitFree(key);
        assertEquals("GOT", tryInChild());
    }

    private String tryInChild() throws Exception {
        Process p = ChildJvm.start(KeyHolder.class, "try", key);
        String answer = ChildJvm.awaitLine(p, "");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
        return answer;
    }
}
