package io.github.k3portlock.examples;

import io.github.k3portlock.Portlock;
import io.github.k3portlock.PortlockTimeoutException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * The Python original's synopsis, step by step in Java, printing the same lines in the same order.
 *
 * <p>Run: {@code java -cp examples/target/k3portlock-examples.jar
 * io.github.k3portlock.examples.Synopsis}.
 * An optional argument prefixes the keys (the tests pass a random one).
 */
public final class Synopsis {
    private Synopsis() {
    }

    public static void main(String[] args) throws InterruptedException {
        run(System.out, args.length > 0 ? args[0] : "");
    }

    static void run(PrintStream out, String prefix) throws InterruptedException {
        // Basic lock acquisition and release
        Portlock lock = new Portlock(prefix + "mylock");

        // Try to acquire lock (non-blocking)
        if (lock.tryLock()) {
            out.println("Lock acquired");
            // Do some work
            lock.release();
            out.println("Lock released");
        } else {
            out.println("Failed to acquire lock");
        }

        // Blocking lock acquisition with timeout
        Portlock lock2 = new Portlock(prefix + "mylock2", Duration.ofSeconds(5));
        try {
            lock2.acquire(); // Will wait up to 5 seconds
            out.println("Lock acquired");
            Thread.sleep(100); // the work
            lock2.release();
            out.println("Lock released");
        } catch (PortlockTimeoutException e) {
            out.println("Timeout while waiting for lock");
        }

        // try-with-resources (the context manager; recommended)
        try (Portlock lock3 = new Portlock(prefix + "mylock3", Duration.ofSeconds(3))) {
            lock3.acquire();
            out.println("Lock acquired via context manager");
            // Do some work
            Thread.sleep(50);
        }
        out.println("Lock automatically released");

        // Check if lock is held (without acquiring)
        Portlock lock4 = new Portlock(prefix + "testlock");
        out.println(lock4.hasLocked()); // false

        lock4.acquire();
        Portlock anotherLock = new Portlock(prefix + "testlock");
        out.println(anotherLock.hasLocked()); // false (different instance)
        out.println(anotherLock.tryLock()); // false: the lock is taken, by lock4
        lock4.release();
        out.println(anotherLock.tryLock()); // true: released
        anotherLock.release();
    }
}
