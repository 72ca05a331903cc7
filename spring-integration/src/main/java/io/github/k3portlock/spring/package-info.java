/**
 * A Spring Integration {@code LockRegistry} over k3portlock:
 * {@link io.github.k3portlock.spring.PortlockLockRegistry}, on the port lock of one host or on any
 * {@link io.github.k3portlock.async.AsyncLocks} backend (ZooKeeper included).
 *
 * <p>This module has no {@code module-info}: Spring Integration is an automatic module, so it runs
 * on the class path, under the automatic module name {@code io.github.k3portlock.spring}.
 */
package io.github.k3portlock.spring;
