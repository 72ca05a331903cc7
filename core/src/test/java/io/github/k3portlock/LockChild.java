package io.github.k3portlock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child JVM for core's cross-process tests (the testkit's {@code KeyHolder} holds a key).
 * <ul>
 * <li>{@code sections KEY N DIR}: waits for a line on stdin (the start barrier), then N times:
 *     takes the lock, creates {@code DIR/inside} (fails if another holder is inside), increments
 *     the counter in {@code DIR/counter}, deletes {@code inside}, releases. Exit 3 on an
 *     overlap.</li>
 * </ul>
 */
public final class LockChild {
    private LockChild() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String key = args[1];
        switch (args[0]) {
            case "sections": {
                int n = Integer.parseInt(args[2]);
                Path dir = Path.of(args[3]);
                Path inside = dir.resolve("inside");
                Path counter = dir.resolve("counter");
                Portlock lock = new Portlock(key, Duration.ofSeconds(120), Duration.ofMillis(1));
                System.out.println("READY");
                System.out.flush();
                in.readLine();
                for (int i = 0; i < n; i++) {
                    lock.acquire();
                    try {
                        try {
                            Files.createFile(inside);
                        } catch (FileAlreadyExistsException e) {
                            System.out.println("OVERLAP at section " + i);
                            System.out.flush();
                            System.exit(3);
                        }
                        long v = Long.parseLong(Files.readString(counter).trim());
                        Files.writeString(counter, Long.toString(v + 1));
                        Files.delete(inside);
                    } finally {
                        lock.release();
                    }
                }
                System.out.println("DONE");
                System.out.flush();
                break;
            }
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
