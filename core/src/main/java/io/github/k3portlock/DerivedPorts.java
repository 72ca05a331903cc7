package io.github.k3portlock;

import io.github.k3portlock.internal.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * The ports of a {@link PortSemaphore}'s permits, derived from its key (the writer gate of
 * {@link LockMode} is derived in {@code ModeHold}). Stateless and thread-safe.
 */
final class DerivedPorts {
    /**
     * What precedes a semaphore's key before it is hashed: a NUL, which keys seldom hold, so that
     * a semaphore and the lock of the same key map to different ports.
     */
    static final String SEMAPHORE_PREFIX = "\u0000semaphore:";

    private DerivedPorts() {
    }

    /**
     * A semaphore's permits: {@code permits} consecutive ports from the base port that
     * {@code scheme} gives {@link #SEMAPHORE_PREFIX} + key, on that key's address; each one a
     * single-port "quorum".
     *
     * @throws IllegalArgumentException if the last permit would pass port 65535
     */
    static List<LockPorts> permits(PortScheme scheme, String key, int permits) {
        PortScheme.Builder b = PortScheme.builder().range(scheme.rangeStart(), scheme.rangeSize())
                .portCount(scheme.portCount()).wideLoopback(scheme.wideLoopback())
                .interop(PortScheme.Interop.TCP_ONLY); // ports only: no name for a prefixed key
        if (!scheme.wideLoopback()) {
            b.host(scheme.host()).allowNonLoopback(); // the scheme checked its host already
        }
        LockPorts p = b.build().lockPorts(SEMAPHORE_PREFIX + key);
        if (p.basePort() + permits - 1 > 65535) {
            throw new IllegalArgumentException(permits + " permits of semaphore "
                    + Checks.quote(key) + " from port "
                    + p.basePort() + " would pass port 65535; use fewer permits or a lower range");
        }
        List<LockPorts> all = new ArrayList<>(permits);
        for (int i = 0; i < permits; i++) {
            all.add(new LockPorts(key, p.address(), p.basePort() + i, 1, null));
        }
        return List.copyOf(all);
    }
}
