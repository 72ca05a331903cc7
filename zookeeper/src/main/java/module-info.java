/**
 * k3portlock zookeeper: the {@link io.github.k3portlock.async.AsyncLocks} API over Apache
 * ZooKeeper through Apache Curator, interoperable with Curator's {@code InterProcessMutex}.
 *
 * <p>Exports only {@code io.github.k3portlock.zookeeper}.
 */
module io.github.k3portlock.zookeeper {
    requires transitive io.github.k3portlock.async;
    // Curator and ZooKeeper are automatic modules named after their jar files.
    requires transitive curator.framework;
    requires curator.client;
    requires zookeeper;
    requires zookeeper.jute;

    exports io.github.k3portlock.zookeeper;
}
