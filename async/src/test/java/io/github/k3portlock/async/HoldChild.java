package io.github.k3portlock.async;

import io.github.k3portlock.Portlock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A child JVM for cross-process tests.
 * <ul>
 * <li>{@code hold KEY}: takes the lock with a blocking {@link Portlock}, prints
 *     {@code LOCKED <pid>}, holds it until a line (or EOF) arrives on stdin, releases, prints
 *     {@code RELEASED}.</li>
 * <li>{@code try KEY}: one attempt; prints {@code GOT} (and releases) or {@code BUSY}.</li>
 * </ul>
 */
public final class HoldChild {
    private HoldChild() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String key = args[1];
        switch (args[0]) {
            case "hold": {
                Portlock lock = new Portlock(key, Duration.ofSeconds(60));
                lock.acquire();
                System.out.println("LOCKED " + ProcessHandle.current().pid());
                System.out.flush();
                in.readLine();
                lock.release();
                System.out.println("RELEASED");
                System.out.flush();
                break;
            }
            case "try": {
                Portlock lock = new Portlock(key, Duration.ZERO);
                System.out.println(lock.tryLock() ? "GOT" : "BUSY");
                System.out.flush();
                lock.release();
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
