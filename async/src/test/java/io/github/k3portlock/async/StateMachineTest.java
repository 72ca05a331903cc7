package io.github.k3portlock.async;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.async.KeyPoller.Phase;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The transitions written on {@link Acquisition.State}, {@link KeyPoller.Phase} and
 * {@link KeyWakeLine.State}, and no others.
 */
class StateMachineTest {
    private static Acquisition waiter() {
        return new Acquisition(new CompletableFuture<LockHandle>(), 0, false, 0);
    }

    @Test
    void aWaiterGoesNewWaitingGrantedDone() {
        Acquisition w = waiter();
        assertEquals(Acquisition.State.NEW, w.state());
        w.enqueued();
        assertEquals(Acquisition.State.WAITING, w.state());
        w.granted(null);
        assertEquals(Acquisition.State.GRANTED, w.state());
        w.done();
        assertEquals(Acquisition.State.DONE, w.state());
    }

    @Test
    void aWaiterMayBeGrantedOrDoneStraightFromNew() {
        Acquisition granted = waiter();
        granted.granted(null);
        assertEquals(Acquisition.State.GRANTED, granted.state());
        Acquisition failed = waiter();
        failed.done();
        assertEquals(Acquisition.State.DONE, failed.state());
        Acquisition abandoned = waiter();
        abandoned.enqueued();
        abandoned.done();
        assertEquals(Acquisition.State.DONE, abandoned.state());
    }

    @Test
    void illegalWaiterTransitionsThrow() {
        Acquisition w = waiter();
        w.enqueued();
        IllegalStateException e = assertThrows(IllegalStateException.class, w::enqueued);
        assertTrue(e.getMessage().contains("WAITING -> WAITING"), e.getMessage());
        w.granted(null);
        assertThrows(IllegalStateException.class, () -> w.granted(null));
        assertThrows(IllegalStateException.class, w::enqueued);
        w.done();
        assertThrows(IllegalStateException.class, w::done, "DONE is final");
        assertThrows(IllegalStateException.class, () -> w.granted(null));
    }

    @Test
    void thePollerPhasesAllowExactlyTheDiagramsArrows() {
        assertEquals(EnumSet.of(Phase.POLLING, Phase.HELD, Phase.RETIRED), allowedFrom(Phase.IDLE));
        assertEquals(EnumSet.of(Phase.POLLING, Phase.HELD, Phase.RETIRED),
                allowedFrom(Phase.POLLING));
        assertEquals(EnumSet.of(Phase.HELD, Phase.IDLE), allowedFrom(Phase.HELD));
        assertEquals(EnumSet.noneOf(Phase.class), allowedFrom(Phase.RETIRED));
    }

    @Test
    void theWakeLineStatesAllowExactlyTheDiagramsArrows() {
        KeyWakeLine.State none = KeyWakeLine.State.NONE;
        KeyWakeLine.State connecting = KeyWakeLine.State.CONNECTING;
        KeyWakeLine.State connected = KeyWakeLine.State.CONNECTED;
        KeyWakeLine.State off = KeyWakeLine.State.OFF;
        assertEquals(EnumSet.of(none, connecting, off), wakeLineAllowedFrom(none));
        assertEquals(EnumSet.allOf(KeyWakeLine.State.class), wakeLineAllowedFrom(connecting));
        assertEquals(EnumSet.of(none, off), wakeLineAllowedFrom(connected));
        assertEquals(EnumSet.of(none), wakeLineAllowedFrom(off));
    }

    private static Set<KeyWakeLine.State> wakeLineAllowedFrom(KeyWakeLine.State from) {
        Set<KeyWakeLine.State> to = EnumSet.noneOf(KeyWakeLine.State.class);
        for (KeyWakeLine.State s : KeyWakeLine.State.values()) {
            if (from.canMoveTo(s)) {
                to.add(s);
            }
        }
        return to;
    }

    private static Set<Phase> allowedFrom(Phase from) {
        Set<Phase> to = EnumSet.noneOf(Phase.class);
        for (Phase p : Phase.values()) {
            if (from.canMoveTo(p)) {
                to.add(p);
            }
        }
        return to;
    }
}
