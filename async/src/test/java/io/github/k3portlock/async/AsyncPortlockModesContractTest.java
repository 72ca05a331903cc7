package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockMode;
import io.github.k3portlock.PortSemaphore;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.contract.AsyncModesContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The shared-hold and permit contract on the port lock. */
class AsyncPortlockModesContractTest extends AsyncModesContract {

    @Override
    protected AsyncLocks locks() {
        return AsyncPortlock.create();
    }

    @Override
    protected void assertNothingLeftFor(String key) {
        // No hold of either mode: a blocking outsider takes the key exclusively at once...
        try (Portlock probe = new Portlock(key, Duration.ofSeconds(2))) {
            probe.acquire();
        }
        // ... and no writer gate is left: a shared outsider gets in at its first attempt.
        try (Portlock reader = Portlock.builder(key).mode(LockMode.SHARED).build()) {
            assertTrue(reader.tryLock(), "a writer gate or a hold was left on " + key);
        }
    }

    @Override
    protected void assertNoPermitLeftFor(String key, int permits) {
        PortSemaphore s = PortSemaphore.builder(key, permits).timeout(Duration.ofSeconds(2))
                .build();
        List<LockHandle> all = new ArrayList<>();
        for (int i = 0; i < permits; i++) {
            all.add(s.acquire()); // every permit free: a permit left would time out here
        }
        all.forEach(LockHandle::release);
    }
}
