package io.github.k3portlock.cli;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortSemaphore;
import io.github.k3portlock.PortlockTimeoutException;
import io.github.k3portlock.status.LockStatus;
import java.time.Duration;
import java.util.Optional;

/**
 * A permit of a {@link PortSemaphore}, for {@code portlock run --permits N}: one port of the
 * semaphore's, held while COMMAND runs. The conflict message names the holders of the permits as
 * {@link LockStatus} reports them. Main thread only.
 */
final class PermitSource implements LockSource {
    /** The longest command line quoted per holder in the one-line conflict message. */
    private static final int MAX_COMMAND_LINE = 60;

    private final PortSemaphore.Builder builder;
    private final PortSemaphore probe;
    /** The permit, once taken. */
    private LockHandle permit;

    private PermitSource(PortSemaphore.Builder builder) {
        this.builder = builder;
        this.probe = builder.build();
    }

    /**
     * Derives the semaphore's ports.
     *
     * @throws Args.UsageException for a bad key, scheme or number of permits
     */
    static PermitSource create(Args.Spec spec, SchemeOptions scheme, String key, int permits) {
        try {
            return new PermitSource(PortSemaphore.builder(key, permits)
                    .scheme(Main.scheme(spec, scheme)));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(spec, e.getMessage());
        }
    }

    @Override
    public String describe() {
        String address = probe.permitPorts().get(0).addressText();
        return "semaphore " + (address.contains(":") ? "[" + address + "]" : address) + ":"
                + probe.ports().get(0)
                + (probe.permits() > 1 ? "-" + probe.ports().get(probe.permits() - 1) : "")
                + ", " + probe.permits() + (probe.permits() == 1 ? " permit" : " permits");
    }

    @Override
    public boolean acquire(Duration timeout, Runnable waiting) {
        PortSemaphore s = builder.timeout(timeout == null ? Durations.MAX : timeout).build();
        Optional<LockHandle> now = s.tryAcquire();
        if (now.isPresent()) {
            permit = now.get();
            return true;
        }
        if (timeout != null && timeout.isZero()) {
            return false;
        }
        waiting.run();
        try {
            permit = s.acquire();
            return true;
        } catch (PortlockTimeoutException e) {
            return false;
        }
    }

    /** Every permit's holder: {@code held: 127.0.0.1:50001 held by pid 12 (...), ...}. */
    @Override
    public String holder() {
        StringBuilder sb = new StringBuilder("held: every permit in use");
        for (LockPorts p : probe.permitPorts()) {
            sb.append(sb.indexOf(";") < 0 ? "; " : ", ").append(p.basePort()).append(' ')
                    .append(Report.heldBy(LockStatus.inspect(p), MAX_COMMAND_LINE));
        }
        return sb.toString();
    }

    @Override
    public String heldDetail() {
        return permit == null ? "" : ", port " + permit.ports().get(0);
    }

    @Override
    public void onLost(Runnable action) {
        // The kernel holds the port for this process until it releases it or dies.
    }

    @Override
    public void release() {
        if (permit != null) {
            permit.release();
        }
    }

    @Override
    public void abandon() {
        // The JVM's exit closes the socket, and the kernel frees the port.
    }
}
