package io.github.k3portlock.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * The argument checks every entry point shares, so that a bad key or duration is reported the
 * same way by every class: {@link NullPointerException} ("timeout is null for lock 'k'") for a
 * null, {@link IllegalArgumentException} ("timeout must not be negative, got PT-1S for lock 'k'")
 * for a bad value, each message naming the parameter and the lock.
 * Also {@link #FOREVER}, the one "no timeout", and {@link #quote(String)}, how a key appears in
 * messages. Stateless and thread-safe.
 */
public final class Checks {
    /**
     * The one "forever": a century. A timeout at or beyond it means no timeout; its nanoseconds
     * (about 3.2e18) fit a {@code long} with room for {@code System.nanoTime()} arithmetic, and
     * the CLI accepts durations up to it.
     */
    public static final Duration FOREVER = Duration.ofDays(36_525);
    /** {@link #FOREVER} in nanoseconds. */
    public static final long FOREVER_NANOS = FOREVER.toNanos();
    /** Keys longer than this are cut in messages (the exception's accessor keeps the whole key). */
    public static final int MAX_KEY_IN_MESSAGE = 64;

    private Checks() {
    }

    /**
     * Checks a lock key.
     *
     * @param key the key
     * @return {@code key}
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is empty or has an unpaired surrogate (a
     *     {@code char} in U+D800-U+DFFF that is not half of a pair): such a key has no UTF-8
     *     form, and {@code getBytes(UTF_8)} would silently map it, and every other such key, onto
     *     {@code '?'}'s ports
     */
    public static String key(String key) {
        Objects.requireNonNull(key, "lock key is null");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("lock key must not be empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length()
                    && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++; // a pair: one code point
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "lock key %s is not valid Unicode: unpaired surrogate U+%04X at index %d"
                                + " (keys are hashed as UTF-8, which cannot encode it)",
                        quote(escapeSurrogates(key)), (int) c, i));
            }
        }
        return key;
    }

    /** The key with each unpaired surrogate written as a backslash, u and its four hex digits. */
    private static String escapeSurrogates(String key) {
        StringBuilder sb = new StringBuilder(key.length() + 8);
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length()
                    && Character.isLowSurrogate(key.charAt(i + 1))) {
                sb.append(c).append(key.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                sb.append(String.format(Locale.ROOT, "\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Checks a timeout: zero or more.
     *
     * @param key the lock it is for, named in the message
     * @param timeout the timeout
     * @return {@code timeout}
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static Duration timeout(String key, Duration timeout) {
        Objects.requireNonNull(timeout, () -> "timeout is null for lock " + quote(key));
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative, got " + timeout
                    + " for lock " + quote(key));
        }
        return timeout;
    }

    /**
     * Checks a duration that must be positive (a sleep time, a first delay).
     *
     * @param key the lock it is for, named in the message
     * @param name the parameter's name, e.g. {@code "sleepTime"}
     * @param d the duration
     * @return {@code d}
     * @throws NullPointerException if {@code d} is null
     * @throws IllegalArgumentException if {@code d} is zero or negative
     */
    public static Duration positive(String key, String name, Duration d) {
        Objects.requireNonNull(d, () -> name + " is null for lock " + quote(key));
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d + " for lock "
                    + quote(key));
        }
        return d;
    }

    /**
     * Returns {@code d} in nanoseconds, capped at {@link #FOREVER_NANOS}.
     *
     * @param d a duration, zero or more
     * @return its nanoseconds, at most {@link #FOREVER_NANOS}
     */
    public static long nanos(Duration d) {
        return d.compareTo(FOREVER) >= 0 ? FOREVER_NANOS : d.toNanos();
    }

    /**
     * Returns how a key appears in messages: in single quotes, cut after
     * {@value #MAX_KEY_IN_MESSAGE} characters, e.g. {@code 'aaaa…(10240 chars)'}.
     *
     * @param key the key, may be null
     * @return the quoted key
     */
    public static String quote(String key) {
        if (key == null) {
            return "null";
        }
        if (key.length() <= MAX_KEY_IN_MESSAGE) {
            return "'" + key + "'";
        }
        int end = MAX_KEY_IN_MESSAGE;
        if (Character.isHighSurrogate(key.charAt(end - 1))) {
            end--; // never split a surrogate pair
        }
        return "'" + key.substring(0, end) + "…(" + key.length() + " chars)'";
    }
}
