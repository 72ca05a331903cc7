package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.k3portlock.zookeeper.Lease.State;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The lease's state machine allows exactly the transitions drawn on its field. */
class LeaseTest {
    private static Lease fresh() {
        return new Lease("k", "/locks/%semaphore:k", 2, new CompletableFuture<>(), false, 0);
    }

    private static Lease counting() {
        Lease l = fresh();
        l.moveTo(State.CREATING);
        l.moveTo(State.COUNTING);
        return l;
    }

    @Test
    void theDrawnPathsAreAllowed() {
        Lease l = fresh();
        assertEquals(State.LOCKING, l.moveTo(State.CREATING));
        assertEquals(State.CREATING, l.moveTo(State.COUNTING));
        assertEquals(State.COUNTING, l.moveTo(State.LOCKING)); // its node vanished: retry
        assertEquals(State.LOCKING, l.moveTo(State.CREATING));
        assertEquals(State.CREATING, l.moveTo(State.COUNTING));
        assertEquals(State.COUNTING, l.moveTo(State.GRANTED));
        for (State from : new State[] {State.LOCKING, State.CREATING, State.COUNTING}) {
            Lease e = fresh();
            while (e.state() != from) {
                e.moveTo(e.state() == State.LOCKING ? State.CREATING : State.COUNTING);
            }
            assertEquals(from, e.moveTo(State.DONE));
        }
    }

    @Test
    void grantedAndDoneAreFinalAndARaceToEndIsNoError() {
        Lease granted = counting();
        granted.moveTo(State.GRANTED);
        assertNull(granted.moveTo(State.DONE));
        assertNull(granted.moveTo(State.LOCKING));
        assertEquals(State.GRANTED, granted.state());
        Lease done = counting();
        done.moveTo(State.DONE);
        assertNull(done.moveTo(State.LOCKING)); // a retry after the end
        assertNull(done.moveTo(State.COUNTING));
        assertEquals(State.DONE, done.state());
    }

    @Test
    void transitionsNotDrawnThrow() {
        assertThrows(IllegalStateException.class, () -> fresh().moveTo(State.LOCKING));
        assertThrows(IllegalStateException.class, () -> fresh().moveTo(State.COUNTING));
        assertThrows(IllegalStateException.class, () -> fresh().moveTo(State.GRANTED));
        Lease creating = fresh();
        creating.moveTo(State.CREATING);
        assertThrows(IllegalStateException.class, () -> creating.moveTo(State.LOCKING));
        assertThrows(IllegalStateException.class, () -> creating.moveTo(State.GRANTED));
        assertThrows(IllegalStateException.class, () -> counting().moveTo(State.CREATING));
        assertEquals(State.CREATING, creating.state());
    }
}
