package io.github.k3portlock.internal;

import java.io.IOException;

/**
 * A C library call failed: which call, and the {@code errno} it left, as captured by the linker
 * (never read afterwards from a thread-local that the JVM may have overwritten).
 */
final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    static final int EMFILE = 24;
    static final int ENFILE = 23;
    static final int EADDRINUSE = 98;

    /** The {@code errno} value. */
    private final int errno;

    ErrnoException(String call, int errno) {
        super(call + ": " + describe(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    int errno() {
        return errno;
    }

    /** glibc's {@code strerror} text for the values these calls are documented to return. */
    static String describe(int errno) {
        return switch (errno) {
            case 1 -> "Operation not permitted";
            case 9 -> "Bad file descriptor";
            case 12 -> "Cannot allocate memory";
            case 13 -> "Permission denied";
            case 22 -> "Invalid argument";
            case ENFILE -> "Too many open files in system";
            case EMFILE -> "Too many open files";
            case 93 -> "Protocol not supported";
            case 97 -> "Address family not supported by protocol";
            case EADDRINUSE -> "Address already in use";
            case 99 -> "Cannot assign requested address";
            case 105 -> "No buffer space available";
            default -> "errno " + errno;
        };
    }
}
