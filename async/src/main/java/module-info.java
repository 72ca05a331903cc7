/**
 * k3portlock async: {@code CompletableFuture<LockHandle>} acquisition of k3portlock's
 * cross-process lock, on a retry scheduler with no thread per waiter.
 *
 * <p>Exports only {@code io.github.k3portlock.async}; everything else in this module is
 * package-private.
 */
module io.github.k3portlock.async {
    requires transitive io.github.k3portlock;

    exports io.github.k3portlock.async;
}
