/**
 * The ZooKeeper backend: {@link io.github.k3portlock.zookeeper.ZooKeeperLocks} implements
 * {@link io.github.k3portlock.async.AsyncLocks} with the lock recipe of Curator's
 * {@code InterProcessMutex}, driven without blocking; its handles are
 * {@link io.github.k3portlock.zookeeper.ZooKeeperHandle}s, with a fencing token and a future that
 * completes when the lock may have been lost. {@link io.github.k3portlock.zookeeper.LockPaths}
 * tells where a key's lock lives and how its nodes are ordered, for tools that read them.
 */
package io.github.k3portlock.zookeeper;
