/**
 * k3portlock zookeeper: the {@link io.github.k3portlock.async.AsyncLocks} API over Apache
 * ZooKeeper through Apache Curator, interoperable with Curator's {@code InterProcessMutex}.
 *
 * <p>Exports only {@code io.github.k3portlock.zookeeper}.
 *
 * <p>ZooKeeper's jars split packages ({@code org.apache.zookeeper.server.*}) between
 * {@code zookeeper} and {@code zookeeper-jute}, so they cannot both be automatic modules: run
 * Curator, ZooKeeper and this module on the class path (the usual way), where this descriptor is
 * ignored. {@code zookeeper-jute} (which holds {@code Stat}) is read from the class path; the
 * build compiles with {@code --add-reads io.github.k3portlock.zookeeper=ALL-UNNAMED}.
 */
module io.github.k3portlock.zookeeper {
    requires transitive io.github.k3portlock.async;
    // Curator and ZooKeeper are automatic modules named after their jar files.
    requires transitive curator.framework;
    requires curator.client;
    requires zookeeper;

    exports io.github.k3portlock.zookeeper;
}
