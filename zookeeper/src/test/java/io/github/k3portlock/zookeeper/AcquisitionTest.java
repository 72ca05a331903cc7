package io.github.k3portlock.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.k3portlock.zookeeper.Acquisition.State;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The acquisition's state machine allows exactly the transitions drawn on its field. */
class AcquisitionTest {
    private static Acquisition fresh() {
        return new Acquisition("k", "/locks/k", new CompletableFuture<>(), false, 0);
    }

    @Test
    void theDrawnPathsAreAllowed() {
        Acquisition a = fresh();
        assertEquals(State.CREATING, a.moveTo(State.WAITING));
        assertEquals(State.WAITING, a.moveTo(State.GRANTED));
        assertEquals(State.GRANTED, a.state());
        Acquisition b = fresh();
        assertEquals(State.CREATING, b.moveTo(State.DONE));
        Acquisition c = fresh();
        c.moveTo(State.WAITING);
        assertEquals(State.WAITING, c.moveTo(State.DONE));
        assertEquals(State.DONE, c.state());
    }

    @Test
    void grantedAndDoneAreFinalAndARaceToEndIsNoError() {
        Acquisition granted = fresh();
        granted.moveTo(State.WAITING);
        granted.moveTo(State.GRANTED);
        assertNull(granted.moveTo(State.DONE));
        assertNull(granted.moveTo(State.WAITING));
        assertEquals(State.GRANTED, granted.state());
        Acquisition done = fresh();
        done.moveTo(State.DONE);
        assertNull(done.moveTo(State.WAITING)); // a create answering after the end
        assertNull(done.moveTo(State.GRANTED));
        assertEquals(State.DONE, done.state());
    }

    @Test
    void transitionsNotDrawnThrow() {
        assertThrows(IllegalStateException.class, () -> fresh().moveTo(State.GRANTED));
        assertThrows(IllegalStateException.class, () -> fresh().moveTo(State.CREATING));
        Acquisition waiting = fresh();
        waiting.moveTo(State.WAITING);
        assertThrows(IllegalStateException.class, () -> waiting.moveTo(State.WAITING));
        assertThrows(IllegalStateException.class, () -> waiting.moveTo(State.CREATING));
        assertEquals(State.WAITING, waiting.state());
    }
}
