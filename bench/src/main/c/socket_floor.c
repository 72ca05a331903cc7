/*
 * The system-call floor under the uncontended figures of BENCHMARKS.md, in C.
 *
 *   gcc -O2 -o /tmp/socket_floor bench/src/main/c/socket_floor.c && /tmp/socket_floor
 *
 * Each case is run in batches of 1000 operations on three consecutive loopback ports found free
 * at random in 40000-59999 (or from the base port given as the first argument); the figure is
 * the median batch, in microseconds per operation, so a stray preemption on a busy machine does
 * not move it.
 *
 *   single-min   socket+bind+listen+close, one IPv4 socket (the "floor per socket")
 *   pair-min     the same for 2 sockets, both held at once: a quorum with the fewest calls
 *                (what a Java 22+ FFM binder could reach)
 *   pair-jdk     2 IPv4 sockets with the calls a JDK 17-25 ServerSocketChannel makes:
 *                socket, setsockopt(SO_REUSEADDR), bind, listen, getsockname x2, close
 *   naive-jdk    3 dual-stack IPv6 sockets bound to IPv4-mapped addresses with the calls of
 *                the default ServerSocketChannel.open(): + setsockopt(IPV6_V6ONLY=0)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1000
#define BATCHES 101

static int base_port = 0;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static int open4(int i, int jdk) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(base_port + i);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    if (jdk) {
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    }
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) die("bind");
    if (listen(fd, 1)) die("listen");
    if (jdk) {
        struct sockaddr_storage s;
        socklen_t l = sizeof s;
        getsockname(fd, (struct sockaddr *)&s, &l);
        l = sizeof s;
        getsockname(fd, (struct sockaddr *)&s, &l);
    }
    return fd;
}

static int open6(int i) {
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(base_port + i);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr);
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0) die("socket6");
    int zero = 0, one = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a)) die("bind6");
    if (listen(fd, 50)) die("listen6");
    struct sockaddr_storage s;
    socklen_t l = sizeof s;
    getsockname(fd, (struct sockaddr *)&s, &l);
    l = sizeof s;
    getsockname(fd, (struct sockaddr *)&s, &l);
    return fd;
}

static void op(int which) {
    int fds[3];
    switch (which) {
    case 0:
        close(open4(0, 0));
        break;
    case 1:
        fds[0] = open4(0, 0);
        fds[1] = open4(1, 0);
        close(fds[0]);
        close(fds[1]);
        break;
    case 2:
        fds[0] = open4(0, 1);
        fds[1] = open4(1, 1);
        close(fds[0]);
        close(fds[1]);
        break;
    default:
        fds[0] = open6(0);
        fds[1] = open6(1);
        fds[2] = open6(2);
        close(fds[0]);
        close(fds[1]);
        close(fds[2]);
        break;
    }
}

/* Tells whether the three ports from base can be bound and listened on right now. */
static int free_at(int base) {
    int fds[3], ok = 1, n = 0;
    for (int i = 0; i < 3 && ok; i++) {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons(base + i);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fds[n] = socket(AF_INET, SOCK_STREAM, 0);
        ok = fds[n] >= 0 && bind(fds[n], (struct sockaddr *)&a, sizeof a) == 0 && listen(fds[n], 1) == 0;
        n++;
    }
    for (int i = 0; i < n; i++) close(fds[i]);
    return ok;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    static const char *names[] = {"single-min", "pair-min", "pair-jdk", "naive-jdk"};
    static double samples[4][BATCHES];
    if (argc > 1) {
        base_port = atoi(argv[1]);
    } else {
        srand((unsigned)getpid() ^ (unsigned)now_ns());
        for (int i = 0; i < 100 && !base_port; i++) {
            int b = 40000 + rand() % 19997;
            if (free_at(b)) base_port = b;
        }
        if (!base_port) {
            fprintf(stderr, "no 3 free consecutive ports found\n");
            return 1;
        }
    }
    printf("ports %d-%d\n", base_port, base_port + 2);
    for (int w = 0; w < 4; w++)
        for (int i = 0; i < 20 * BATCH; i++) op(w); /* warm-up */
    /* Interleave the cases batch by batch, so that a noisy second hits all of them alike. */
    for (int b = 0; b < BATCHES; b++) {
        for (int w = 0; w < 4; w++) {
            double t0 = now_ns();
            for (int i = 0; i < BATCH; i++) op(w);
            samples[w][b] = (now_ns() - t0) / BATCH / 1000.0;
        }
    }
    double med[4];
    for (int w = 0; w < 4; w++) {
        qsort(samples[w], BATCHES, sizeof(double), cmp);
        med[w] = samples[w][BATCHES / 2];
        printf("%-11s %7.2f us/op\n", names[w], med[w]);
    }
    printf("ratio pair-min/naive-jdk %.3f, pair-jdk/naive-jdk %.3f\n", med[1] / med[3],
           med[2] / med[3]);
    return 0;
}
