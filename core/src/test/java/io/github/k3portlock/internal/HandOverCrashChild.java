package io.github.k3portlock.internal;

import io.github.k3portlock.LockPorts;
import io.github.k3portlock.PortScheme;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A holder that dies in the middle of a hand-over, for {@link HandOverTest}: {@code KEY}. Binds
 * and listens on the key's first two ports, prints {@code HELD}, and at a line on stdin accepts
 * the queued lines and reads their tickets ({@link HandOver#collect}, the first half of a
 * release), prints {@code COLLECTED <lines>}, and waits to be killed without answering anyone.
 */
public final class HandOverCrashChild {
    private HandOverCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        LockPorts target = PortScheme.DEFAULT.lockPorts(args[0]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in,
                StandardCharsets.UTF_8));
        Closeable[] held = new Closeable[2];
        for (int i = 0; i < 2; i++) {
            InetSocketAddress a = target.socketAddresses().get(i);
            ServerSocketChannel s = PortBinder.DEFAULT.open(a);
            PortBinder.DEFAULT.bind(s, a, PortBinder.BACKLOG);
            held[i] = s;
        }
        System.out.println("HELD");
        System.out.flush();
        in.readLine();
        HandOver h = HandOver.collect(target, held);
        System.out.println("COLLECTED " + (h == null ? 0 : h.lines()));
        System.out.flush();
        in.readLine(); // until killed
    }
}
