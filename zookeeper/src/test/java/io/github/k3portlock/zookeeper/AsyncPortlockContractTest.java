package io.github.k3portlock.zookeeper;

import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.AsyncLocks;
import io.github.k3portlock.async.AsyncPortlock;
import java.time.Duration;

/** The {@link AsyncLocks} contract on the port lock. */
class AsyncPortlockContractTest extends LockContractTest {

    @Override
    AsyncLocks locks() {
        return AsyncPortlock.create();
    }

    @Override
    void assertNothingLeftFor(String key) {
        // Nothing held anywhere: a blocking outsider takes the key at once.
        try (Portlock probe = new Portlock(key, Duration.ofSeconds(2))) {
            probe.acquire();
        }
    }
}
