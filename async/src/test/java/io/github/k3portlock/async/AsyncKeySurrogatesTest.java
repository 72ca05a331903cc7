package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The async entry points reject unpaired surrogates at once, as Portlock does: such a key has no
 * UTF-8 form, and encoding it would silently map it, and every other such key, onto one key's
 * ports.
 */
class AsyncKeySurrogatesTest {
    @Test
    void unpairedSurrogatesAreRejectedBeforeAnyFuture() {
        AsyncPortlock locks = AsyncPortlock.builder().build();
        {
            for (String key : new String[] {"\uD800", "a\uDFFF"}) {
                int index = key.length() - 1;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> locks.acquire(key));
                assertTrue(e.getMessage().contains("unpaired surrogate"), e.getMessage());
                assertTrue(e.getMessage().contains("at index " + index), e.getMessage());
                assertThrows(IllegalArgumentException.class,
                        () -> locks.acquire(key, Duration.ofSeconds(1)));
                assertThrows(IllegalArgumentException.class,
                        () -> locks.withLock(key, Duration.ofSeconds(1),
                                h -> CompletableFuture.completedFuture("never")));
            }
        }
    }
}
