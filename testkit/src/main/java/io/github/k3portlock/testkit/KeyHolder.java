package io.github.k3portlock.testkit;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A child program that holds a key with the blocking {@code Portlock} of the class path it runs
 * with (reached reflectively: the testkit cannot depend on core, whose tests depend on it).
 * <ul>
 * <li>{@code hold KEY}: takes the lock (waiting up to 60 s), prints {@code LOCKED <pid>}, holds it
 *     until a line (or EOF) arrives on stdin, releases, prints {@code RELEASED}.</li>
 * <li>{@code try KEY}: one attempt; prints {@code GOT} (and releases) or {@code BUSY}.</li>
 * </ul>
 * Start it with {@link ChildJvm#start(Class, String...)}; {@link #hold(String)} does both.
 */
public final class KeyHolder {
    private KeyHolder() {
    }

    /**
     * Starts a child JVM that holds {@code key} and waits until it says so.
     *
     * @param key the key
     * @return the child, holding the key; send it a line (or close its stdin) to release
     * @throws java.io.IOException if it cannot start
     */
    public static Process hold(String key) throws java.io.IOException {
        Process p = ChildJvm.start(KeyHolder.class, "hold", key);
        try {
            ChildJvm.awaitLine(p, "LOCKED ");
            return p;
        } catch (RuntimeException | Error e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /**
     * Runs the child program.
     *
     * @param args the mode and the key
     * @throws Throwable whatever the lock throws
     */
    public static void main(String[] args) throws Throwable {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Class<?> type = Class.forName("io.github.k3portlock.Portlock");
        MethodHandles.Lookup l = MethodHandles.publicLookup();
        MethodHandle create = l.findConstructor(type,
                MethodType.methodType(void.class, String.class, Duration.class));
        MethodHandle acquire = l.findVirtual(type, "acquire", MethodType.methodType(void.class));
        MethodHandle tryLock = l.findVirtual(type, "tryLock", MethodType.methodType(boolean.class));
        MethodHandle release = l.findVirtual(type, "release", MethodType.methodType(void.class));
        String key = args[1];
        switch (args[0]) {
            case "hold" -> {
                Object lock = create.invoke(key, Duration.ofSeconds(60));
                acquire.invoke(lock);
                System.out.println("LOCKED " + ProcessHandle.current().pid());
                System.out.flush();
                in.readLine();
                release.invoke(lock);
                System.out.println("RELEASED");
                System.out.flush();
            }
            case "try" -> {
                Object lock = create.invoke(key, Duration.ZERO);
                boolean got = (boolean) tryLock.invoke(lock);
                System.out.println(got ? "GOT" : "BUSY");
                System.out.flush();
                release.invoke(lock);
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
