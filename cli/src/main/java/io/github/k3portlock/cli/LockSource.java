package io.github.k3portlock.cli;

import java.time.Duration;

/**
 * Where {@code portlock run} takes its lock from: the port lock ({@link PortLockSource}) or a
 * ZooKeeper ensemble ({@link ZooKeeperLockSource}). One instance takes one lock once. Called from
 * the main thread, except {@link #abandon()}, which the shutdown hook may call at any time.
 */
interface LockSource {
    /** What the lock is, for messages: {@code 127.0.0.1:58788-58790 (quorum 2)}. */
    String describe();

    /**
     * Takes the lock.
     *
     * @param timeout how long to wait: zero for one attempt, {@code null} for as long as it takes
     * @param waiting run once before waiting, when the source can tell that the lock is held
     * @return whether the lock is held
     * @throws io.github.k3portlock.PortlockException if the lock could not be taken for a reason
     *     other than contention
     * @throws InterruptedException if interrupted while waiting
     */
    boolean acquire(Duration timeout, Runnable waiting) throws InterruptedException;

    /**
     * Who holds the lock, for the conflict message, as a phrase: {@code held by pid 1234 (...)}.
     */
    String holder();

    /** What --verbose adds to "locked" once the lock is held: {@code , fencing token 7}. */
    String heldDetail();

    /**
     * Runs {@code action}, once and on another thread, if the held lock is lost while held (its
     * holder can no longer be sure that nobody else holds it). A port lock is never lost.
     */
    void onLost(Runnable action);

    /** Releases the lock if held, and frees what the source holds. Main thread; idempotent. */
    void release();

    /**
     * The JVM is exiting (a signal): frees what the exit would not free by itself. The kernel frees
     * a port lock's sockets; a ZooKeeper session would outlive the JVM. Idempotent; any thread.
     */
    void abandon();
}
