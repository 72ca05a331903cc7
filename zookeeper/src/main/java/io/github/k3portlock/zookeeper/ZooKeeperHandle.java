package io.github.k3portlock.zookeeper;

import io.github.k3portlock.LockHandle;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A lock held in ZooKeeper: an ephemeral-sequential znode that had the lowest sequence under the
 * key's {@link ZooKeeperLocks#lockPath(String) lock path}.
 *
 * <p><b>Validity.</b> The handle is valid from the moment it is handed out until it is released,
 * or until the client's connection enters a state its {@code ConnectionStateErrorPolicy} calls an
 * error (Curator's default, {@code StandardConnectionStateErrorPolicy}: SUSPENDED, that is as soon
 * as the connection to the ensemble is interrupted; with {@code SessionConnectionStateErrorPolicy}:
 * only LOST). From then on the lock may pass to someone else, so the handle reports
 * {@link #isValid()} {@code false} for good, at once (on the thread that reports the connection
 * state, whatever the completion executor does), {@link #lost()} completes, and the handle gives
 * up its node: it is deleted as soon as the connection is back, or vanishes with the session. A
 * handle is never valid again after that, even if the session survives. A handle is only ever
 * made for a node owned by the client's current session.
 *
 * <p><b>Fencing.</b> A lock service cannot stop a holder that is paused (a long GC, a stopped VM, a
 * slow disk) while its session expires and another process takes the lock: when it wakes up it
 * still believes it holds the lock, and its next write to the shared resource races with the new
 * holder's. {@link #fencingToken()} guards against that: pass it with every write and have the
 * resource refuse tokens lower than the highest it has seen. Tokens are ZooKeeper zxids, so they
 * grow strictly with each grant of a key across the whole ensemble, also when the key's path was
 * deleted and recreated in between.
 *
 * <p>Thread-safe: any thread may release a handle; releasing twice has no effect. {@link #ports()}
 * is always empty: this backend holds no ports.
 */
public final class ZooKeeperHandle implements LockHandle {
    private final LockRecipe owner;
    private final String key;
    private final String nodePath;
    private final long fencingToken;
    private final AtomicBoolean done = new AtomicBoolean();
    private final CompletableFuture<Void> lost = new CompletableFuture<>();
    private volatile boolean valid = true;

    ZooKeeperHandle(LockRecipe owner, String key, String nodePath, long fencingToken) {
        this.owner = owner;
        this.key = key;
        this.nodePath = nodePath;
        this.fencingToken = fencingToken;
    }

    @Override
    public String key() {
        return key;
    }

    /**
     * Returns an empty list: a ZooKeeper lock binds no ports.
     *
     * @return an empty list
     */
    @Override
    public List<Integer> ports() {
        return List.of();
    }

    /**
     * Tells whether this handle still holds the lock: {@code true} until released or until the
     * connection entered an error state (see the class documentation).
     *
     * @return whether the lock is still held through this handle
     */
    @Override
    public boolean isValid() {
        return valid;
    }

    /**
     * Returns the fencing token of this grant: the zxid that created its znode. Larger tokens
     * belong to later grants of the key.
     *
     * @return the token, positive
     */
    public long fencingToken() {
        return fencingToken;
    }

    /**
     * Returns the full path of this handle's znode, for example
     * {@code /locks/job/_c_2a1f...-lock-0000000007}.
     *
     * @return the znode path
     */
    public String nodePath() {
        return nodePath;
    }

    /**
     * Returns a future that completes (normally, on the completion executor) when the lock may
     * have passed to someone else while this handle held it: the connection entered an error
     * state. It never completes if the handle is released first. Dependent stages added to it run
     * on the completion executor, or at once if it is already complete.
     *
     * @return the loss notification; completing it yourself has no effect on the lock
     */
    public CompletableFuture<Void> lost() {
        return lost;
    }

    /** Releases the lock: deletes the znode (guaranteed, in the background). Idempotent. */
    @Override
    public void release() {
        valid = false;
        if (done.compareAndSet(false, true)) {
            owner.released(this);
        }
    }

    @Override
    public void close() {
        release();
    }

    /** The connection entered an error state: invalid for good, node given up, users told. */
    void invalidate() {
        valid = false;
        if (done.compareAndSet(false, true)) {
            owner.invalidated(this);
        }
    }

    void completeLost() {
        lost.complete(null);
    }

    @Override
    public String toString() {
        return "ZooKeeperHandle{" + key + ", " + nodePath + ", token=" + fencingToken
                + (valid ? ", valid}" : ", invalid}");
    }
}
