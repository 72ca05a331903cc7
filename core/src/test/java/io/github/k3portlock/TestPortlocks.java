package io.github.k3portlock;

import io.github.k3portlock.internal.PortBinder;
import java.time.Duration;

/** Reaches Portlock's package-private binder constructor from tests in other packages. */
public final class TestPortlocks {
    private TestPortlocks() {
    }

    /** A lock on {@code target} that binds through {@code binder}, one attempt per acquire. */
    @SuppressWarnings("exports") // a test helper: the internal type is the point
    public static Portlock withBinder(LockPorts target, PortBinder binder) {
        return new Portlock(target, Duration.ZERO, Duration.ofMillis(1), binder);
    }
}
