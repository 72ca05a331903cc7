package io.github.k3portlock.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.PortScheme;
import io.github.k3portlock.testkit.Fds;
import org.junit.jupiter.api.Test;

/** The collision curve's measurement holds and frees what it says. */
class CollisionsTest {

    @Test
    void holdingManyKeysMissesFewAndReleasesEverySocket() {
        long before = Fds.sockets();
        int missed = Collisions.missedHoldingAtOnce(300, PortScheme.DEFAULT);
        // 300 keys of 3 ports in 20,000: a few may collide, far more means hashing is broken.
        assertTrue(missed < 30, missed + " of 300 missed");
        int wideMissed = Collisions.missedHoldingAtOnce(300,
                PortScheme.builder().wideLoopback(true).build());
        assertTrue(wideMissed < 5, wideMissed + " of 300 missed with wide loopback");
        assertEquals(before, Fds.sockets(), "every held key released its sockets");
    }
}
