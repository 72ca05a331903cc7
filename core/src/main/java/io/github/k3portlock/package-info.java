/**
 * k3portlock: a cross-process lock held by binding a quorum of loopback TCP ports
 * ({@link io.github.k3portlock.Portlock}, {@link io.github.k3portlock.PortSemaphore}), with the
 * handle, modes and exceptions shared by every backend.
 *
 * <p><b>Fairness.</b> A waiter queues on its line to the holder with a ticket (its wait start);
 * a release hands the lock to the oldest ticket, in any process, and this JVM does not take the
 * key again before that waiter had its turn (at most 20 ms if it never comes). A waiter is
 * overtaken only by older tickets, by a process whose very first attempt lands in the hand-over
 * gap (it had not queued yet), by anyone when the chosen waiter does not bind within the grace
 * (it died or was not scheduled), and by locks that only poll (the Python original, a barging
 * lock); after being overtaken it keeps its ticket and is first at the next release. A crash of the
 * holder wakes every waiter and they race once. Shared holds ({@link LockMode#SHARED}) hand
 * nothing over.
 * {@link io.github.k3portlock.Portlock.Builder#barging(boolean) Portlock.Builder.barging(true)}
 * trades fairness for throughput.
 *
 * <p><b>Scope.</b> The lock is advisory, per network namespace, and not access-controlled: any
 * local process that binds the ports blocks it. A stranger on one of the three ports (an outgoing
 * connection using an ephemeral port, say) does not block it; the quorum absorbs one.
 */
package io.github.k3portlock;
