package io.github.k3portlock.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The processes under a running COMMAND: looked up every {@value #TRACK_MILLIS} ms and
 * remembered, so that they can be found after their parent has died and they were re-parented
 * away from COMMAND's tree, and ended (SIGTERM, then SIGKILL) before the lock is released.
 * Thread-safe: a tracker thread remembers, and the main thread and the shutdown hook may both
 * end the tree, one after the other.
 */
final class CommandTree {
    /** How often the processes under the command are looked up while it runs. */
    static final long TRACK_MILLIS = 100;
    /** How long processes get to end after SIGTERM, and again after SIGKILL. */
    static final int GRACE_SECONDS = 5;

    private final Process command;
    private final ProcessTree proc;
    /** Where --verbose reports the processes it sees; {@code null} when not verbose. */
    private final PrintWriter verbose;
    /**
     * The processes seen under the command (the command itself, its descendants) by pid, dead
     * ones pruned. Written by the tracker thread, read by whoever ends the tree.
     */
    private final Map<Long, ProcessHandle> seen = new ConcurrentHashMap<>();
    /** Serialises ending the tree: the main thread and the shutdown hook may both do it. */
    private final ReentrantLock ending = new ReentrantLock();

    CommandTree(Process command, ProcessTree proc, PrintWriter verbose) {
        this.command = command;
        this.proc = proc;
        this.verbose = verbose;
        seen.put(command.pid(), command.toHandle());
    }

    /**
     * Starts looking up the processes under the command every {@value #TRACK_MILLIS} ms, on a
     * daemon thread, until the returned executor is shut down.
     */
    ScheduledExecutorService track() {
        boolean childrenLists = proc.readable(command.pid());
        ScheduledExecutorService tracker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "portlock-tracker");
            t.setDaemon(true);
            return t;
        });
        tracker.scheduleWithFixedDelay(() -> {
            try {
                seen.values().removeIf(this::ended);
                if (childrenLists) {
                    look();
                } else {
                    command.descendants().forEach(this::remember);
                }
            } catch (RuntimeException e) {
                // A process that vanished mid-scan: the next scan sees the tree as it is then.
            }
        }, 0, TRACK_MILLIS, TimeUnit.MILLISECONDS);
        return tracker;
    }

    /** Remembers the processes now under the command, as {@code /proc} lists them. */
    private void look() {
        proc.descendants(command.pid()).forEach((pid, parent) -> {
            if (seen.containsKey(pid)) {
                return;
            }
            // Guard against the pid being reused between /proc's list and the handle: the JDK
            // reads its start time now, so the parent it reports is this process's.
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            long parentNow = h.flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
            if (h.isPresent() && parentNow == parent.longValue()) {
                remember(h.get());
            }
        });
    }

    private void remember(ProcessHandle h) {
        if (seen.putIfAbsent(h.pid(), h) == null && verbose != null) {
            verbose.println("portlock: watching pid " + h.pid() + " under the command"
                    + h.info().commandLine().map(c -> ": " + c).orElse(""));
            verbose.flush();
        }
    }

    /**
     * Ends the command and every live process seen under it, whether or not the command is still
     * alive: SIGTERM, then SIGKILL to those still running after the grace period. Returns when
     * they are gone (or after the grace periods). Runs in the main thread, in the shutdown hook,
     * or in both, one after the other.
     */
    void end() {
        ending.lock();
        try {
            List<ProcessHandle> tree = live();
            tree.forEach(ProcessHandle::destroy);
            awaitEnded(tree, TimeUnit.SECONDS.toNanos(GRACE_SECONDS));
            // Those that ignored SIGTERM, and any they started meanwhile.
            for (int round = 0; round < 3; round++) {
                List<ProcessHandle> left = live();
                if (left.isEmpty()) {
                    break;
                }
                left.forEach(ProcessHandle::destroyForcibly);
                awaitEnded(left, TimeUnit.SECONDS.toNanos(GRACE_SECONDS));
            }
        } catch (InterruptedException e) {
            live().forEach(ProcessHandle::destroyForcibly);
            Thread.currentThread().interrupt();
        } finally {
            ending.unlock();
        }
    }

    /**
     * The live processes of the command's tree: the command, everything remembered, and the
     * current descendants of each (those started since the last look, and the children of
     * processes that were re-parented away from the command).
     */
    private List<ProcessHandle> live() {
        List<ProcessHandle> roots = new ArrayList<>();
        roots.add(command.toHandle()); // first: its descendants come in one scan
        roots.addAll(seen.values());
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        for (ProcessHandle h : roots) {
            if (!tree.contains(h) && !ended(h)) {
                tree.add(h);
                h.descendants().forEach(tree::add);
            }
        }
        List<ProcessHandle> live = new ArrayList<>();
        for (ProcessHandle h : tree) {
            if (!ended(h)) {
                seen.putIfAbsent(h.pid(), h);
                live.add(h);
            }
        }
        return live;
    }

    /** Waits until every handle has ended, or the time is up; polls, as ended() must be asked. */
    private void awaitEnded(List<ProcessHandle> handles, long nanos)
            throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (handles.stream().anyMatch(h -> !ended(h)) && deadline - System.nanoTime() > 0) {
            Thread.sleep(10);
        }
    }

    /** Tells whether a process has ended: exited, or a zombie. */
    private boolean ended(ProcessHandle h) {
        return !h.isAlive() || proc.zombie(h.pid());
    }
}
