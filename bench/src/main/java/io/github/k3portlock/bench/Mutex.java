package io.github.k3portlock.bench;

import io.github.k3portlock.LockHandle;
import io.github.k3portlock.Portlock;
import io.github.k3portlock.async.AsyncPortlock;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One participant's view of a lock under measurement: the project's locks and their baselines
 * behind the same two calls. Instances are used by one thread at a time.
 */
public interface Mutex extends AutoCloseable {
    /** How long any measured wait may last before the run is declared broken. */
    Duration PATIENCE = Duration.ofSeconds(120);

    /**
     * Blocks until the lock is held.
     *
     * @throws Exception if it cannot be taken
     */
    void lock() throws Exception;

    /**
     * Releases the lock.
     *
     * @throws Exception if it cannot be released
     */
    void unlock() throws Exception;

    /**
     * Frees what the mutex opened (a lock file's channel).
     *
     * @throws IOException if closing fails
     */
    @Override
    default void close() throws IOException {
    }

    /** The kinds of lock the harness measures; {@link #label} is what the tables print. */
    enum Kind {
        /** {@link Portlock#acquire()} polling every 10 ms (the default), one instance each. */
        PORTLOCK("Portlock.acquire, 10 ms polling (default)", true),
        /** {@link Portlock#acquire()} polling every 1 ms, one instance each. */
        PORTLOCK_1MS("Portlock.acquire, 1 ms polling", true),
        /** {@link Portlock.Builder#barging(boolean) barging}: a releaser may take it again. */
        PORTLOCK_BARGING("Portlock.acquire, barging (unfair)", true),
        /** One {@link Portlock} shared by the threads: a release signals the waiting thread. */
        PORTLOCK_SHARED("Portlock.acquire, one instance shared by the threads", false),
        /** {@code FileChannel.lock()}: the kernel wakes the waiter. */
        FILELOCK("FileChannel.lock (kernel wake-up)", true),
        /** {@code FileChannel.tryLock()} every 10 ms. */
        FILEPOLL("FileChannel.tryLock, 10 ms polling", true),
        /** {@link ReentrantLock}: the in-JVM floor, a thread unpark. */
        REENTRANTLOCK("ReentrantLock (in-JVM reference)", false),
        /**
         * {@link AsyncPortlock#create()}{@code .acquire(key).join()}: backoff 1 to 10 ms between
         * processes; in one JVM the shared instance hands the held ports to the next waiter.
         */
        ASYNC("AsyncPortlock.acquire(key).join()", true),
        /**
         * As {@link #ASYNC}, on one instance built with {@code completionExecutor(Runnable::run)}:
         * the releasing thread completes the next waiter's future itself.
         */
        ASYNC_DIRECT("AsyncPortlock, completionExecutor(Runnable::run)", true);

        private final String label;
        private final boolean crossProcess;

        Kind(String label, boolean crossProcess) {
            this.label = label;
            this.crossProcess = crossProcess;
        }

        /**
         * Returns the row label.
         *
         * @return a human-readable description
         */
        public String label() {
            return label;
        }

        /**
         * Tells whether the kind works between processes.
         *
         * @return {@code false} for the in-JVM-only kinds
         */
        public boolean crossProcess() {
            return crossProcess;
        }

        /**
         * Returns the command-line name, e.g. {@code portlock-1ms}.
         *
         * @return the name
         */
        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * Parses a command-line name.
         *
         * @param id e.g. {@code filelock}
         * @return the kind
         * @throws IllegalArgumentException if unknown
         */
        public static Kind of(String id) {
            return valueOf(id.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /**
     * Creates the mutexes for {@code n} participants of one JVM: one each, or one shared by all
     * for the kinds that are shared by nature.
     *
     * @param kind the lock
     * @param key the Portlock key
     * @param lockFile the file for the FileChannel kinds
     * @param n how many participants
     * @return {@code n} mutexes
     * @throws IOException if a lock file cannot be opened
     */
    static List<Mutex> create(Kind kind, String key, Path lockFile, int n) throws IOException {
        List<Mutex> out = new ArrayList<>(n);
        Mutex shared = null;
        AsyncPortlock direct = null;
        for (int i = 0; i < n; i++) {
            switch (kind) {
                case PORTLOCK:
                    out.add(portlock(key, Duration.ofMillis(10)));
                    break;
                case PORTLOCK_1MS:
                    out.add(portlock(key, Duration.ofMillis(1)));
                    break;
                case PORTLOCK_BARGING:
                    out.add(portlock(Portlock.builder(key).timeout(PATIENCE).barging(true)
                            .build()));
                    break;
                case PORTLOCK_SHARED:
                    if (shared == null) {
                        shared = portlock(key, Duration.ofMillis(10));
                    }
                    out.add(shared);
                    break;
                case FILELOCK:
                    out.add(fileLock(lockFile, false));
                    break;
                case FILEPOLL:
                    out.add(fileLock(lockFile, true));
                    break;
                case REENTRANTLOCK:
                    if (shared == null) {
                        shared = reentrantLock();
                    }
                    out.add(shared);
                    break;
                case ASYNC:
                    out.add(async(AsyncPortlock.create(), key));
                    break;
                case ASYNC_DIRECT:
                    if (direct == null) {
                        direct = AsyncPortlock.builder().completionExecutor(Runnable::run).build();
                    }
                    out.add(async(direct, key));
                    break;
                default:
                    throw new AssertionError(kind);
            }
        }
        return out;
    }

    private static Mutex portlock(String key, Duration sleep) {
        return portlock(new Portlock(key, PATIENCE, sleep));
    }

    private static Mutex portlock(Portlock lock) {
        return new Mutex() {
            @Override
            public void lock() {
                lock.acquire();
            }

            @Override
            public void unlock() {
                lock.release();
            }
        };
    }

    private static Mutex fileLock(Path file, boolean poll) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        return new Mutex() {
            private FileLock held;

            @Override
            public void lock() throws IOException {
                if (!poll) {
                    held = ch.lock();
                    return;
                }
                long end = System.nanoTime() + PATIENCE.toNanos();
                while ((held = ch.tryLock()) == null) {
                    if (System.nanoTime() - end > 0) {
                        throw new IOException("file lock " + file + " not free after " + PATIENCE);
                    }
                    LockSupport.parkNanos(10_000_000L);
                }
            }

            @Override
            public void unlock() throws IOException {
                held.release();
                held = null;
            }

            @Override
            public void close() throws IOException {
                ch.close();
            }
        };
    }

    private static Mutex async(AsyncPortlock locks, String key) {
        return new Mutex() {
            private LockHandle held;

            @Override
            public void lock() {
                held = locks.acquire(key, PATIENCE).join();
            }

            @Override
            public void unlock() {
                held.release();
                held = null;
            }
        };
    }

    private static Mutex reentrantLock() {
        ReentrantLock lock = new ReentrantLock();
        return new Mutex() {
            @Override
            public void lock() {
                lock.lock();
            }

            @Override
            public void unlock() {
                lock.unlock();
            }
        };
    }
}
