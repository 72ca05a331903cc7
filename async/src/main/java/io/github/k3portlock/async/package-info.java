/**
 * Asynchronous acquisition of k3portlock's cross-process lock: {@link
 * io.github.k3portlock.async.AsyncPortlock} returns {@code CompletableFuture<LockHandle>} at once
 * and retries on a {@link java.util.concurrent.ScheduledExecutorService}, without a
 * {@link java.nio.channels.Selector} and without a thread per waiter.
 */
package io.github.k3portlock.async;
