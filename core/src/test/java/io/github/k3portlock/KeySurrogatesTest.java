package io.github.k3portlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.k3portlock.internal.Checks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * A key with an unpaired surrogate has no UTF-8 form; it is rejected at once, naming the index,
 * rather than hashed as {@code '?'} (where every such key would collide).
 */
class KeySurrogatesTest {
    private static void rejected(String key, int index, char bad, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(String.format("unpaired surrogate U+%04X at index %d",
                (int) bad, index)), e.getMessage());
        assertTrue(e.getMessage().contains("not valid Unicode"), e.getMessage());
        assertTrue(e.getMessage().chars().noneMatch(c -> Character.isSurrogate((char) c)),
                "the message prints anywhere: " + e.getMessage());
    }

    @Test
    void everyEntryPointRejectsUnpairedSurrogates() {
        String high = "\uD800";
        String low = "ab\uDFFF";
        String reversed = "x\uDC00\uD800"; // a low before a high is no pair
        rejected(high, 0, '\uD800', () -> PortScheme.DEFAULT.lockPorts(high));
        rejected(low, 2, '\uDFFF', () -> PortScheme.DEFAULT.lockPorts(low));
        rejected(reversed, 1, '\uDC00', () -> PortScheme.DEFAULT.lockPorts(reversed));
        rejected(high, 0, '\uD800', () -> new Portlock(high));
        rejected(low, 2, '\uDFFF', () -> Portlock.builder(low));
        rejected(reversed, 1, '\uDC00', () -> Checks.key(reversed));
        String lastHalf = "key\uD83D"; // half an emoji at the end
        rejected(lastHalf, 3, '\uD83D', () -> PortScheme.DEFAULT.lockPorts(lastHalf));
    }

    @Test
    void surrogateKeysNoLongerCollapseOntoQuestionMark() {
        // Before: "\uD800", "\uDFFF" and "?" all hashed to the ports of "?".
        assertThrows(IllegalArgumentException.class, () -> PortScheme.DEFAULT.lockPorts("\uDFFF"));
        LockPorts q = PortScheme.DEFAULT.lockPorts("?");
        assertEquals("?", q.key());
    }

    @Test
    void pairedSurrogatesAreAValidKey() {
        String emoji = "lock-\uD83D\uDD12"; // U+1F512, a pair
        assertEquals(emoji, PortScheme.DEFAULT.lockPorts(emoji).key());
        assertEquals(emoji, new Portlock(emoji).key());
    }
}
