package io.github.k3portlock;

import io.github.k3portlock.internal.Checks;
import io.github.k3portlock.internal.ModeHold;
import io.github.k3portlock.internal.PortBinder;
import java.util.ArrayList;
import java.util.List;

/**
 * The ports derived from a key beside its lock's: the writer gate of {@link LockMode}, the shared
 * hold's nameless ports, and a {@link PortSemaphore}'s permits. Stateless and thread-safe.
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
     * Returns how a lock on {@code target} takes its holds in {@code mode}.
     *
     * @param mode the mode
     * @param target the key's ports
     * @param binder the exclusive binder
     * @return the holds
     * @throws IllegalStateException if {@code mode} is shared and this platform cannot
     */
    static ModeHold hold(LockMode mode, LockPorts target, PortBinder binder) {
        LockPorts gate = writerGate(target);
        if (mode == LockMode.EXCLUSIVE) {
            return ModeHold.exclusive(target, gate, binder);
        }
        return ModeHold.shared(target, withoutName(target), gate);
    }

    /**
     * The writer gate of {@code p}: as many ports as the key's, right after them (right before
     * them when they would pass 65535), on the same address. Never overlaps the key's own ports,
     * which a writer must bind while it holds the gate.
     */
    static LockPorts writerGate(LockPorts p) {
        int count = p.numbers().size();
        int base = p.basePort() + count;
        if (base + count - 1 > 65535) {
            base = p.basePort() - count;
        }
        return new LockPorts(p.key(), p.address(), base, count, null);
    }

    /** The ports of {@code p} without the original's Linux name. */
    static LockPorts withoutName(LockPorts p) {
        return p.linuxName().isEmpty() ? p
                : new LockPorts(p.key(), p.address(), p.basePort(), p.numbers().size(), null);
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
