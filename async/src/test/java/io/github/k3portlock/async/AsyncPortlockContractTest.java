package io.github.k3portlock.async;

import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.contract.AsyncLocksContract;
import java.time.Duration;

/** The {@link AsyncLocks} contract on the port lock. */
class AsyncPortlockContractTest extends AsyncLocksContract {

    @Override
    protected AsyncLocks locks() {
        return AsyncPortlock.create();
    }

    @Override
    protected void assertNothingLeftFor(String key) {
        // Nothing held anywhere: a blocking outsider takes the key at once.
        try (Portlock probe = new Portlock(key, Duration.ofSeconds(2))) {
            probe.acquire();
        }
    }
}
