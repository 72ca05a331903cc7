/**
 * ShedLock lock providers: {@link io.github.k3portlock.shedlock.PortlockLockProvider} for the
 * instances of a job on one host (no database, no server), and
 * {@link io.github.k3portlock.shedlock.ZooKeeperLockProvider} for one run per ZooKeeper cluster.
 *
 * <p>Both implement ShedLock's semantics in full: {@code lock()} never waits for a holder and is
 * not reentrant; {@code lockAtMostFor} releases the lock at that time even if {@code unlock()}
 * never comes; {@code lockAtLeastFor} keeps it held after an early {@code unlock()} until then;
 * {@code extend()} works as {@code SimpleLock} specifies. Where they differ from ShedLock's
 * storage-based providers is a crash: the lock is not a record that outlives its holder, so the
 * kernel (port lock) or the end of the ZooKeeper session frees it at once, earlier than
 * {@code lockAtLeastFor} and {@code lockAtMostFor}.
 *
 * <p>This module has no {@code module-info}: ShedLock is an automatic module and the ZooKeeper
 * jars split packages, so it runs on the class path, under the automatic module name
 * {@code io.github.k3portlock.shedlock}.
 */
package io.github.k3portlock.shedlock;
