package io.github.k3portlock.internal;

import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * How an address appears in every message: IPv4 as {@code 127.0.0.1}, IPv6 in its RFC 5952 form
 * ({@code ::1}, lower case, the longest run of two or more zero groups shortened to {@code ::}),
 * in brackets wherever a port follows ({@code [::1]:44655-44657}). Stateless and thread-safe.
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * Returns the address as people write it: {@code 127.0.0.1}, {@code ::1}; a scope id is
     * dropped.
     *
     * @param a the address
     * @return its literal, RFC 5952 for IPv6
     */
    public static String host(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // RFC 5952 4.2.2: a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLen) { // 4.2.3: the first of equally long runs
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    /**
     * Returns the address followed by a port or port range: {@code 127.0.0.1:44655},
     * {@code [::1]:44655-44657}.
     *
     * @param a the address
     * @param ports the port, or a range such as {@code 44655-44657}
     * @return the address, bracketed if IPv6, a colon, and {@code ports}
     */
    public static String withPort(InetAddress a, String ports) {
        String h = host(a);
        return (a instanceof Inet6Address ? "[" + h + "]" : h) + ":" + ports;
    }
}
