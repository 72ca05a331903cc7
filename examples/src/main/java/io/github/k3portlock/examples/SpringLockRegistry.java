package io.github.k3portlock.examples;

import io.github.k3portlock.spring.PortlockLockRegistry;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Spring Integration's {@link LockRegistry} over the port lock ({@link PortlockLockRegistry}):
 * the same {@code Lock} per key, reentrancy, {@code executeLocked} from several threads, and a
 * {@code tryLock} that waits for another process. No server.
 *
 * <p>Run: {@code java -cp examples/target/k3portlock-examples.jar
 * io.github.k3portlock.examples.SpringLockRegistry [key]}.
 */
public final class SpringLockRegistry {
    private SpringLockRegistry() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("holder")) {
            holder(args[1], Long.parseLong(args[2]));
            return;
        }
        run(System.out, args.length > 0 ? args[0] : "k3portlock-registry-" + UUID.randomUUID());
    }

    static void run(PrintStream out, String key) throws Exception {
        LockRegistry<Lock> registry = new PortlockLockRegistry();
        Lock lock = registry.obtain(key);
        out.println("same Lock for the same key: " + (lock == registry.obtain(key)));

        lock.lock();
        lock.lock(); // reentrant, counted
        lock.unlock();
        out.println("held after 1 of 2 unlocks: " + !freeForAnotherThread(lock));
        lock.unlock();
        out.println("free after 2 of 2 unlocks: " + freeForAnotherThread(lock));

        int[] counter = {0};
        List<CompletableFuture<Void>> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 250; i++) {
                    try {
                        registry.executeLocked(key, () -> counter[0]++); // a plain int
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                }
            }));
        }
        CompletableFuture.allOf(threads.toArray(CompletableFuture[]::new)).join();
        out.println("4 threads x 250 executeLocked increments: " + counter[0]);

        Process holder = jvm("holder", key, "1000");
        try {
            BufferedReader r = new BufferedReader(
                    new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String held = r.readLine();
            if (!"HELD".equals(held)) {
                throw new IllegalStateException("the holder did not take the lock: " + held);
            }
            out.println("another process holds the key; tryLock(): " + lock.tryLock());
            long t0 = System.nanoTime();
            boolean got = lock.tryLock(30, TimeUnit.SECONDS);
            out.printf("tryLock(30 s): %s after %d ms, when the other process released it%n",
                    got, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            if (got) {
                lock.unlock();
            }
            holder.waitFor(30, TimeUnit.SECONDS);
        } finally {
            holder.destroyForcibly();
        }
    }

    /** Whether another thread of this JVM can take the lock right now (it lets it go again). */
    private static boolean freeForAnotherThread(Lock lock) {
        return CompletableFuture.supplyAsync(() -> {
            boolean got = lock.tryLock();
            if (got) {
                lock.unlock();
            }
            return got;
        }).join();
    }

    private static void holder(String key, long millis) throws InterruptedException {
        Lock lock = new PortlockLockRegistry().obtain(key);
        lock.lock();
        try {
            System.out.println("HELD");
            System.out.flush();
            Thread.sleep(millis); // the other process's work
        } finally {
            lock.unlock();
        }
    }

    private static Process jvm(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home")
                + File.separator + "bin" + File.separator + "java"));
        cmd.add("-Xmx32m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(SpringLockRegistry.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
