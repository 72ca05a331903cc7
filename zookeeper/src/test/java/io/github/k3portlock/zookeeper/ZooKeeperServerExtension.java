package io.github.k3portlock.zookeeper;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one in-process ZooKeeper server of the test run: started by the first test class that
 * registers this extension ({@code @RegisterExtension static final ZooKeeperServerExtension ZK =
 * new ZooKeeperServerExtension();}), shared by all, stopped when the run ends. Clients made with
 * {@link #client(int)} are closed after their test class. Tests use fresh keys, so sharing the
 * server is safe; a test that must restart or expire a server makes its own.
 */
final class ZooKeeperServerExtension implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(ZooKeeperServerExtension.class);

    private final List<CuratorFramework> clients = new ArrayList<>();
    private TestingServer server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent("server", k -> Shared.start(), Shared.class).server;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        synchronized (clients) {
            for (int i = clients.size() - 1; i >= 0; i--) {
                clients.get(i).close();
            }
            clients.clear();
        }
    }

    /** The shared server. */
    TestingServer server() {
        return server;
    }

    /** The server's connect string. */
    String connectString() {
        return server.getConnectString();
    }

    /** A started client with the given session timeout, closed after the test class. */
    CuratorFramework client(int sessionMs) {
        CuratorFramework c = ZkTestSupport.client(connectString(), sessionMs);
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    /** The server as a store value, so that JUnit closes it at the end of the run. */
    private static final class Shared implements AutoCloseable {
        final TestingServer server;

        private Shared(TestingServer server) {
            this.server = server;
        }

        static Shared start() {
            try {
                return new Shared(new TestingServer(true));
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the ZooKeeper test server", e);
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
        }
    }
}
