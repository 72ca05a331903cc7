package io.github.k3portlock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A child JVM for the shared-lock and semaphore tests.
 * <ul>
 * <li>{@code hold MODE KEY}: takes a {@code Portlock} of that {@link LockMode} (waiting up to
 *     60 s), prints {@code LOCKED <pid>}, holds until a line (or EOF) on stdin, releases, prints
 *     {@code RELEASED}.</li>
 * <li>{@code try MODE KEY}: one attempt; prints {@code GOT} (and releases) or {@code BUSY}.</li>
 * <li>{@code permit KEY N}: takes one permit of an N-permit semaphore and holds it as
 *     {@code hold} does.</li>
 * <li>{@code sections KIND KEY N COUNT HOLD_MS DIR}: KIND is {@code shared}, {@code exclusive}
 *     or {@code permit} (N permits). Prints {@code READY}, waits for a line (the start barrier),
 *     then COUNT times (COUNT -1: until {@code DIR/stop} exists): takes, enters the holder
 *     counter in {@code DIR/counter}, holds HOLD_MS, leaves the counter, releases. Exits 3 with
 *     {@code OVERLAP} if a permit section sees more than N inside, a reader sees a writer inside
 *     or a writer sees anyone else; prints {@code LOOPING} after its first section and
 *     {@code DONE <sections>} at the end.</li>
 * </ul>
 * The counter file holds five longs (readers or permit holders inside now, most inside at once,
 * sections in all, writers inside now, writer sections in all), updated under a
 * {@link FileChannel#lock()} (the test's own bookkeeping, not the lock under test).
 */
public final class ModeChild {
    private ModeChild() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8));
        switch (args[0]) {
            case "hold" -> {
                Portlock lock = Portlock.builder(args[2]).mode(LockMode.valueOf(args[1]))
                        .timeout(Duration.ofSeconds(60)).build();
                lock.acquire();
                say("LOCKED " + ProcessHandle.current().pid());
                in.readLine();
                lock.release();
                say("RELEASED");
            }
            case "try" -> {
                Portlock lock = Portlock.builder(args[2]).mode(LockMode.valueOf(args[1]))
                        .timeout(Duration.ZERO).build();
                say(lock.tryLock() ? "GOT" : "BUSY");
                lock.release();
            }
            case "permit" -> {
                LockHandle h = PortSemaphore.builder(args[1], Integer.parseInt(args[2]))
                        .timeout(Duration.ofSeconds(60)).build().acquire();
                say("LOCKED " + ProcessHandle.current().pid());
                in.readLine();
                h.release();
                say("RELEASED");
            }
            case "sections" -> sections(in, args);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void sections(BufferedReader in, String[] args) throws IOException {
        boolean permit = args[1].equals("permit");
        boolean writer = args[1].equals("exclusive");
        String key = args[2];
        int n = Integer.parseInt(args[3]);
        int count = Integer.parseInt(args[4]);
        long holdNanos = Duration.ofMillis(Long.parseLong(args[5])).toNanos();
        Path dir = Path.of(args[6]);
        PortSemaphore semaphore = permit ? PortSemaphore.builder(key, n)
                .timeout(Duration.ofSeconds(120)).sleepTime(Duration.ofMillis(1)).build() : null;
        Portlock reader = permit ? null : Portlock.builder(key)
                .mode(writer ? LockMode.EXCLUSIVE : LockMode.SHARED)
                .timeout(Duration.ofSeconds(120)).sleepTime(Duration.ofMillis(1)).build();
        say("READY");
        in.readLine();
        int done = 0;
        while (count < 0 ? !Files.exists(dir.resolve("stop")) : done < count) {
            LockHandle h = permit ? semaphore.acquire() : null;
            if (!permit) {
                reader.acquire();
            }
            try {
                String overlap = enter(dir, writer, permit ? n : Integer.MAX_VALUE);
                if (overlap != null) {
                    say("OVERLAP " + overlap + " at section " + done);
                    System.exit(3);
                }
                LockSupport.parkNanos(holdNanos); // the work of the section
                leave(dir, writer);
            } finally {
                if (permit) {
                    h.release();
                } else {
                    reader.release();
                }
            }
            if (done++ == 0) {
                say("LOOPING");
            }
        }
        say("DONE " + done);
    }

    /**
     * Enters the counter and says what overlaps, if anything does.
     *
     * @param dir the directory of {@code counter}
     * @param writer whether an exclusive holder enters
     * @param bound how many readers or permit holders may be inside at once
     * @return the overlap seen, or {@code null}
     * @throws IOException if the file cannot be used
     */
    static String enter(Path dir, boolean writer, int bound) throws IOException {
        long[] v = update(dir, writer, +1);
        if (writer) {
            return v[3] > 1 || v[0] > 0 ? v[3] + " writers and " + v[0] + " readers inside" : null;
        }
        return v[0] > bound || v[3] > 0 ? v[0] + " inside beside " + v[3] + " writers" : null;
    }

    /**
     * Leaves the counter.
     *
     * @param dir the directory of {@code counter}
     * @param writer whether an exclusive holder leaves
     * @throws IOException if the file cannot be used
     */
    static void leave(Path dir, boolean writer) throws IOException {
        update(dir, writer, -1);
    }

    private static long[] update(Path dir, boolean writer, int delta) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("counter"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            long[] v = read(ch);
            int inside = writer ? 3 : 0;
            v[inside] += delta;
            if (!writer) {
                v[1] = Math.max(v[1], v[0]);
            }
            v[writer ? 4 : 2] += delta > 0 ? 1 : 0;
            ByteBuffer b = ByteBuffer.allocate(8 * v.length);
            for (long x : v) {
                b.putLong(x);
            }
            ch.write(b.flip(), 0);
            return v;
        }
    }

    /**
     * Reads the counter, see {@link ModeChild}.
     *
     * @param dir the directory of {@code counter}
     * @return the five values (zeros when there is no file yet)
     * @throws IOException if the file cannot be read
     */
    static long[] counter(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("counter"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return read(ch);
        }
    }

    private static long[] read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(40);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // read the 40 bytes, or what exists
        }
        b.flip();
        long[] v = new long[5];
        for (int i = 0; i < 5 && b.remaining() >= 8; i++) {
            v[i] = b.getLong();
        }
        return v;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
