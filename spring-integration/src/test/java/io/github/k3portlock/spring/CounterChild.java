package io.github.k3portlock.spring;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A child program: {@code KEY DIR N} runs {@code N} sections through
 * {@link PortlockLockRegistry#executeLocked}, each reading the counter in {@code DIR/counter},
 * writing it plus one, with a marker file {@code DIR/inside} created exclusively on entry and
 * deleted on exit (creating it fails if another process is inside). Prints {@code DONE} or the
 * overlap, and exits 0 or 1.
 */
public final class CounterChild {
    private CounterChild() {
    }

    /**
     * Runs the child.
     *
     * @param args the key, the directory and the number of sections
     * @throws Exception on an unexpected failure
     */
    public static void main(String[] args) throws Exception {
        String key = args[0];
        Path dir = Path.of(args[1]);
        int n = Integer.parseInt(args[2]);
        Path counter = dir.resolve("counter");
        Path inside = dir.resolve("inside");
        PortlockLockRegistry registry = new PortlockLockRegistry(LockContractTest.SCHEME);
        for (int i = 0; i < n; i++) {
            boolean alone = registry.executeLocked(key, () -> {
                try {
                    Files.createFile(inside);
                } catch (FileAlreadyExistsException e) {
                    return false;
                }
                int value = Integer.parseInt(Files.readString(counter).trim());
                Files.writeString(counter, Integer.toString(value + 1), StandardCharsets.UTF_8);
                Files.delete(inside);
                return true;
            });
            if (!alone) {
                System.out.println("OVERLAP at section " + i);
                System.exit(1);
            }
        }
        System.out.println("DONE");
    }
}
