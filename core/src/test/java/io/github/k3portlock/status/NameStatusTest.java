package io.github.k3portlock.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.Portlock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class NameStatusTest {

    @Test
    void parsesTheInodeOfExactlyTheNameEvenWithSpaces() {
        String line = "0000000000000000: 00000002 00000000 00000000 0001 07 123456 @/portlock/a b";
        assertEquals(123456, NameStatus.inodeOf(line, "@/portlock/a b"));
        assertEquals(0, NameStatus.inodeOf(line, "@/portlock/a"));
        assertEquals(0, NameStatus.inodeOf("0000: 00000002 00000000 00010000 0001 01 42",
                "@/portlock/a"), "an unnamed socket");
    }

    @Test
    void aLockThatHoldsTheNameIsListedWithThisProcessAsHolder() {
        String key = "test-" + UUID.randomUUID();
        assertEquals(new NameStatus("@/portlock/" + key, false, List.of()),
                NameStatus.inspect(key));
        try (Portlock lock = new Portlock(key)) {
            assertTrue(lock.tryLock());
            NameStatus s = NameStatus.inspect(key);
            boolean named = lock.lockPorts().linuxName().isPresent();
            assertEquals(named, s.held(), s.toString());
            if (named) {
                assertEquals(List.of(ProcessHandle.current().pid()),
                        s.holders().stream().map(PortHolder::pid).toList(), s.toString());
            }
        }
        assertFalse(NameStatus.inspect(key).held());
    }
}
