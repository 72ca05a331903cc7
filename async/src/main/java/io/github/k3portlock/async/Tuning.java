package io.github.k3portlock.async;

import io.github.k3portlock.internal.PortBinder;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The knobs only tests turn, kept out of the public {@link AsyncPortlock.Builder}: pass one to
 * {@link AsyncPortlock.Builder#build(Tuning)}. Immutable; the withers return a copy.
 *
 * @param binder how ports are bound (a fake injects "address in use", "too many open files")
 * @param clock the time source, in nanoseconds like {@link System#nanoTime()}
 * @param jitter the jitter source, values in {@code [0, 1)}
 * @param shutdownCheck how often a user scheduler or completion executor is checked for
 *     shutdown; zero disables the check
 * @param beforeAction runs in {@code withLock} after the lock was delivered and before the action
 *     is called, with the returned future (so that a test can complete it right there)
 * @param wake whether waiters connect to the holder to wake on its release ({@link KeyWakeLine});
 *     off for the deterministic scheduling tests, where only the mock scheduler may attempt
 */
record Tuning(PortBinder binder, LongSupplier clock, DoubleSupplier jitter, Duration shutdownCheck,
        Consumer<CompletableFuture<?>> beforeAction, boolean wake) {
    /** Production: real sockets, {@code System.nanoTime}, random jitter, a check per second. */
    static final Tuning DEFAULT = new Tuning(PortBinder.DEFAULT, System::nanoTime,
            () -> ThreadLocalRandom.current().nextDouble(), Duration.ofSeconds(1), result -> { }, true);

    Tuning {
        Objects.requireNonNull(binder, "binder");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(jitter, "jitter");
        Objects.requireNonNull(shutdownCheck, "shutdownCheck");
        Objects.requireNonNull(beforeAction, "beforeAction");
        if (shutdownCheck.isNegative()) {
            throw new IllegalArgumentException("shutdown check period must not be negative");
        }
    }

    Tuning withBinder(PortBinder binder) {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, wake);
    }

    Tuning withClock(LongSupplier clock) {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, wake);
    }

    Tuning withJitter(DoubleSupplier jitter) {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, wake);
    }

    Tuning withShutdownCheck(Duration shutdownCheck) {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, wake);
    }

    Tuning withoutWake() {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, false);
    }

    Tuning withBeforeAction(Consumer<CompletableFuture<?>> beforeAction) {
        return new Tuning(binder, clock, jitter, shutdownCheck, beforeAction, wake);
    }
}
