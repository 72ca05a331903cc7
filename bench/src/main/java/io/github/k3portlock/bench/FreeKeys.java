package io.github.k3portlock.bench;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Fresh random keys whose ports are free right now. The lock ports overlap Linux's ephemeral
 * range, so a random key's ports can be taken by an outgoing connection; a benchmark that ran
 * on such a key would measure contention, not the uncontended path.
 */
public final class FreeKeys {
    private FreeKeys() {
    }

    /**
     * Returns a fresh key whose ports could all be bound and listened on just now.
     *
     * @param prefix a readable prefix
     * @return the key's ports
     * @throws IllegalStateException if 100 random keys all had a busy port
     */
    public static LockPorts fresh(String prefix) {
        for (int i = 0; i < 100; i++) {
            LockPorts p = PortScheme.DEFAULT.lockPorts(prefix + "-" + UUID.randomUUID());
            if (allFree(p)) {
                return p;
            }
        }
        throw new IllegalStateException("no key with free ports in 100 tries: is the port range "
                + "exhausted?");
    }

    /**
     * Tells whether every port of {@code p} can be bound and listened on right now.
     *
     * @param p the ports
     * @return {@code true} if all were free (they are free again on return)
     */
    public static boolean allFree(LockPorts p) {
        List<ServerSocketChannel> probes = new ArrayList<>();
        try {
            for (InetSocketAddress a : p.socketAddresses()) {
                ServerSocketChannel ch = ServerSocketChannel.open();
                probes.add(ch);
                ch.bind(a, 1);
            }
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            for (ServerSocketChannel ch : probes) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a probe cannot matter to the caller
                }
            }
        }
    }
}
