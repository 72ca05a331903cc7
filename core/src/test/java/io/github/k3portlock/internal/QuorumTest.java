package io.github.k3portlock.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.channels.ServerSocketChannel;
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
}
