package io.github.k3portlock.zookeeper;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/**
 * The connection and session side of the recipe: turns the client's connection states into what
 * they mean for locks, and tells which session is current.
 *
 * <ul>
 *   <li>A state the client's {@code ConnectionStateErrorPolicy} calls an error (by default
 *       SUSPENDED and LOST): no grant until the connection is back, and every held handle is
 *       invalidated, synchronously on the listener thread.
 *   <li>LOST: the session and its nodes are gone, so every acquisition still waiting ends at
 *       once, synchronously on the listener thread, before RECONNECTED can look at any of them;
 *       their failures are delivered on the completion executor.
 *   <li>CONNECTED, RECONNECTED: grants are possible again, and the waiters look at their place
 *       again.
 * </ul>
 * Thread-safe: Curator calls {@link #stateChanged} on one thread; the rest is read anywhere.
 */
final class SessionWatch implements ConnectionStateListener {
    private final CuratorFramework client;
    private final LockRecipe recipe;
    private volatile boolean bad;

    SessionWatch(CuratorFramework client, LockRecipe recipe) {
        this.client = client;
        this.recipe = recipe;
    }

    /** Registers this watch on the client, for the client's lifetime. */
    void start() {
        client.getConnectionStateListenable().addListener(this);
    }

    @Override
    public void stateChanged(CuratorFramework c, ConnectionState state) {
        if (client.getConnectionStateErrorPolicy().isErrorState(state)) {
            bad = true;
            recipe.invalidateHeld();
        }
        if (state == ConnectionState.LOST) {
            recipe.sessionLost();
        } else if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
            bad = false;
            recipe.recheckWaiting();
        }
    }

    /** Whether the connection is in an error state: no grant now. */
    boolean inErrorState() {
        return bad;
    }

    /**
     * The id of the client's current session, 0 if there is none (not yet connected, or the
     * client is closed). A node whose {@code ephemeralOwner} differs belongs to an ended session.
     */
    long currentSession() {
        try {
            return client.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception closedOrFailed) {
            return 0;
        }
    }

    /** The connection, as a timeout message describes it. */
    String describe() {
        return client.getZookeeperClient().isConnected() ? "up" : "DOWN: ensemble unreachable";
    }
}
