package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortlockException;
import io.github.k3portlock.PortFixtures;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumTest {

    /** Contention is recognised by the message this JVM really produces, in any locale. */
    @Test
    void theLearnedMessageIsTheOneARealCollisionGives() throws IOException {
        try (ServerSocketChannel a = ServerSocketChannel.open();
             ServerSocketChannel b = ServerSocketChannel.open()) {
            a.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            BindException e = assertThrows(BindException.class, () -> b.bind(a.getLocalAddress(), 1));
            assertEquals(e.getMessage(), Quorum.InUse.MESSAGE);
            assertTrue(Quorum.isAddressInUse(e));
        }
    }

    @Test
    void aTranslatedMessageIsContentionWhenThatIsWhatThisJvmSays() {
        String german = "Die Adresse wird bereits verwendet";
        assertTrue(Quorum.isAddressInUse(new BindException(german), german));
        assertFalse(Quorum.isAddressInUse(new BindException("Die angeforderte Adresse kann nicht "
                + "zugewiesen werden"), german), "EADDRNOTAVAIL is a real error in any language");
        assertFalse(Quorum.isAddressInUse(new SocketException(german), german),
                "only a BindException can be contention");
        assertFalse(Quorum.isAddressInUse(new BindException("Cannot assign requested address")));
        assertFalse(Quorum.isAddressInUse(new BindException("Permission denied")));
        assertTrue(Quorum.isAddressInUse(new BindException("Address already in use: bind")));
    }

    /** A fake that counts channels and lets a test decide each bind's fate; real sockets below. */
    private static final class Fake implements PortBinder {
        final List<ServerSocketChannel> opened = new ArrayList<>();
        final List<String> binds = new ArrayList<>();
        final Set<ServerSocketChannel> bound = new HashSet<>();
        final Set<Integer> inUse;
        int reusedFailures;

        Fake(Set<Integer> inUse, int reusedFailures) {
            this.inUse = inUse;
            this.reusedFailures = reusedFailures;
        }

        @Override
        public ServerSocketChannel open(InetSocketAddress address) throws IOException {
            ServerSocketChannel ch = PortBinder.DEFAULT.open(address);
            opened.add(ch);
            return ch;
        }

        @Override
        public void bind(ServerSocketChannel ch, InetSocketAddress a, int backlog) throws IOException {
            assertEquals(PortBinder.BACKLOG, backlog);
            boolean reused = !bound.add(ch);
            binds.add(a.getPort() + "@" + opened.indexOf(ch));
            if (inUse.contains(a.getPort())) {
                throw new BindException("Address already in use");
            }
            if (reused && reusedFailures > 0) {
                reusedFailures--;
                // What the listen race looks like: the reused channel is bound after all.
                throw new SocketException("Invalid argument");
            }
            ch.bind(a, backlog);
        }
    }

    /** A fake runs through the production loop: the channel refused a port is reused. */
    @Test
    void aFakeBinderGetsTheChannelReuseOfTheRealPath() {
        LockPorts p = PortFixtures.freePorts();
        int base = p.basePort();
        Fake fake = new Fake(Set.of(base), 0);
        PortHandle h = Quorum.tryAcquire(p, fake);
        try {
            assertEquals(List.of(base + 1, base + 2), h.ports());
            assertEquals(List.of(base + "@0", (base + 1) + "@0", (base + 2) + "@1"), fake.binds);
            assertEquals(2, fake.opened.size(), "the miss opened no extra socket");
        } finally {
            h.release();
        }
        assertTrue(fake.opened.stream().noneMatch(ServerSocketChannel::isOpen));
    }

    /** The listen-race retry runs for fakes too: a reused channel's odd failure retries fresh. */
    @Test
    void aFakeBinderGetsTheListenRaceRetry() {
        LockPorts p = PortFixtures.freePorts();
        int base = p.basePort();
        Fake fake = new Fake(Set.of(base), 1);
        PortHandle h = Quorum.tryAcquire(p, fake);
        try {
            assertEquals(List.of(base + 1, base + 2), h.ports());
            assertEquals(List.of(base + "@0", (base + 1) + "@0", (base + 1) + "@1",
                    (base + 2) + "@2"), fake.binds);
        } finally {
            h.release();
        }
        assertTrue(fake.opened.stream().noneMatch(ServerSocketChannel::isOpen),
                "the channel that met the race was closed");
    }

    @Test
    void aMissClosesEveryChannelAndAnOpenFailureIsAClearError() {
        LockPorts p = PortFixtures.freePorts();
        int base = p.basePort();
        Fake fake = new Fake(Set.of(base, base + 2), 0);
        assertEquals(null, Quorum.tryAcquire(p, fake));
        assertTrue(fake.opened.stream().noneMatch(ServerSocketChannel::isOpen));
        PortBinder emfile = a -> {
            throw new SocketException("Too many open files");
        };
        PortlockException e = assertThrows(PortlockException.class,
                () -> Quorum.tryAcquire(p, emfile));
        assertEquals(base, e.port().getAsInt());
        assertTrue(e.getMessage().contains("out of file descriptors"), e.getMessage());
        assertTrue(PortFixtures.allPortsFree(p));
    }
}
