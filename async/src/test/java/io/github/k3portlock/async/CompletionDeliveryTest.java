package io.github.k3portlock.async;

import static io.github.k3portlock.async.TestSupport.await;
import static io.github.k3portlock.async.TestSupport.awaitFree;
import static io.github.k3portlock.async.TestSupport.get;
import static io.github.k3portlock.async.TestSupport.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * How futures are delivered through the completion executor when callbacks block or the executor
 * drops work. Regression tests for review findings (originally ReviewReproTest).
 */
class CompletionDeliveryTest {
    /**
     * More callbacks than the old fixed default pool had threads (max(4, cores)) each block on
     * another acquisition. With a bounded pool, the inner grants and even their timeouts queue
     * behind the blocked callbacks forever, with the ports bound.
     */
    @Test
    void callbacksBlockingOnOtherAcquisitionsDoNotStarveTheirDelivery() throws Exception {
        AsyncPortlock locks = AsyncPortlock.create();
        int n = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
        CyclicBarrier allIn = new CyclicBarrier(n);
        List<CompletableFuture<String>> outer = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Portlock> foreign = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String k = key();
            String k2 = key();
            keys.add(k);
            keys.add(k2);
            Portlock p = new Portlock(k);
            await("a foreign holder takes '" + k + "'", p::tryLock);
            foreign.add(p);
            // Held elsewhere, so that the callback is attached before the future completes and
            // runs on the completion pool.
            outer.add(locks.acquire(k).thenApply(h -> {
                try {
                    allIn.await(TestSupport.PATIENCE.toSeconds(), TimeUnit.SECONDS); // all n block at once
                    CompletableFuture<LockHandle> f = locks.acquire(k2, Duration.ofMillis(200));
                    LockHandle o = f.get(10, TimeUnit.SECONDS); // blocks a completion thread
                    o.release();
                    return "delivered";
                } catch (TimeoutException e) {
                    return "starved";
                } catch (Exception e) {
                    return "failed: " + e;
                } finally {
                    h.release();
                }
            }));
        }
        for (Portlock p : foreign) {
            p.release();
        }
        for (CompletableFuture<String> f : outer) {
            assertEquals("delivered", get(f));
        }
        for (String k : keys) {
            awaitFree(k);
        }
    }
}
