package io.github.k3portlock.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongPredicate;

/**
 * A few {@code long} slots in a memory-mapped file, read and written with volatile semantics,
 * shared by the threads or processes of one measurement (the holder's release time, round
 * counters, the owner check). Slots are 64 bytes apart, so no two share a cache line.
 *
 * <p>This class is thread-safe; every access is volatile.
 */
public final class Shared implements AutoCloseable {
    /** How many slots a region holds. */
    public static final int SLOTS = 16;
    private static final int STRIDE = 64;
    private static final VarHandle LONGS =
            MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final FileChannel channel;
    private final MappedByteBuffer buffer;

    private Shared(FileChannel channel, MappedByteBuffer buffer) {
        this.channel = channel;
        this.buffer = buffer;
    }

    /**
     * Maps {@code file} (created and zero-filled if absent) for reading and writing.
     *
     * @param file the backing file; every participant maps the same one
     * @return the region
     * @throws IOException if the file cannot be mapped
     */
    public static Shared map(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            return new Shared(ch, ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) SLOTS * STRIDE));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Reads slot {@code i}.
     *
     * @param i the slot
     * @return its value
     */
    public long get(int i) {
        return (long) LONGS.getVolatile(buffer, i * STRIDE);
    }

    /**
     * Writes slot {@code i}.
     *
     * @param i the slot
     * @param value the value
     */
    public void set(int i, long value) {
        LONGS.setVolatile(buffer, i * STRIDE, value);
    }

    /**
     * Atomically sets slot {@code i} to {@code value} if it holds {@code expected}.
     *
     * @param i the slot
     * @param expected the value it must hold
     * @param value the new value
     * @return whether it was set
     */
    public boolean compareAndSet(int i, long expected, long value) {
        return LONGS.compareAndSet(buffer, i * STRIDE, expected, value);
    }

    /**
     * Waits until slot {@code i} satisfies {@code condition}, parking 200 µs between checks so
     * that a waiting participant leaves the CPU to the measured ones.
     *
     * @param i the slot
     * @param condition what the value must satisfy
     * @param deadline how long to wait at most
     * @param what what is awaited, for the error message
     * @return the value that satisfied it
     * @throws IllegalStateException if the deadline passes first
     */
    public long await(int i, LongPredicate condition, Duration deadline, String what) {
        return await(i, condition, deadline, what, 200_000);
    }

    /**
     * Waits until slot {@code i} satisfies {@code condition}, parking {@code parkNanos} between
     * checks.
     *
     * @param i the slot
     * @param condition what the value must satisfy
     * @param deadline how long to wait at most
     * @param what what is awaited, for the error message
     * @param parkNanos the pause between checks: longer disturbs a measurement less
     * @return the value that satisfied it
     * @throws IllegalStateException if the deadline passes first
     */
    public long await(int i, LongPredicate condition, Duration deadline, String what,
            long parkNanos) {
        long end = System.nanoTime() + deadline.toNanos();
        while (true) {
            long v = get(i);
            if (condition.test(v)) {
                return v;
            }
            if (System.nanoTime() - end > 0) {
                throw new IllegalStateException("timed out after " + deadline + " waiting for "
                        + what + " (slot " + i + " = " + v + ")");
            }
            LockSupport.parkNanos(parkNanos);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
