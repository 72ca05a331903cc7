package io.github.k3portlock.internal;

import io.github.k3portlock.PortScheme;

/**
 * Child JVM for {@link MissingJava22ClassesTest}: asks for the original's name twice and prints
 * the REQUIRE_LINUX_NAME refusal.
 */
public final class RequireNameChild {
    private RequireNameChild() {
    }

    /**
     * Entry point.
     *
     * @param args unused
     */
    public static void main(String[] args) {
        for (int i = 0; i < 2; i++) {
            try {
                PortScheme.builder().interop(PortScheme.Interop.REQUIRE_LINUX_NAME).build();
                System.out.println("BUILT");
            } catch (IllegalStateException e) {
                System.out.println("REFUSED " + e.getMessage());
            }
        }
    }
}
