package io.github.k3portlock.examples;

import io.github.k3portlock.shedlock.PortlockLockProvider;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Three JVMs run the same Spring {@code @Scheduled} job every second, guarded by ShedLock's
 * {@code @SchedulerLock} over {@link PortlockLockProvider}: every tick runs exactly once, in
 * whichever JVM took the lock, with no database and no server.
 *
 * <p>Run: {@code java -cp examples/target/k3portlock-examples.jar
 * io.github.k3portlock.examples.ScheduledJob [ticks]} (default 10 ticks, a fresh lock name).
 */
public final class ScheduledJob {
    /** The system property that names the lock (so that every run can use a fresh one). */
    static final String LOCK_NAME = "k3portlock.example.lock";

    private ScheduledJob() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("worker")) {
            worker(args[1]);
            return;
        }
        int ticks = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String name = args.length > 1 ? args[1] : "k3portlock-scheduled-" + UUID.randomUUID();
        System.exit(run(System.out, 3, ticks, name) ? 0 : 1);
    }

    /** Each worker's Spring configuration: scheduling, ShedLock, the port-lock provider. */
    @Configuration
    @EnableScheduling
    @EnableSchedulerLock(defaultLockAtMostFor = "PT30S")
    public static class Config {
        /** @return ShedLock's provider: the port lock of this host */
        @Bean
        public LockProvider lockProvider() {
            return new PortlockLockProvider();
        }

        /** @return the job */
        @Bean
        public Report report() {
            return new Report();
        }
    }

    /** The job: every second, in every JVM; ShedLock lets one of them run it. */
    public static class Report {
        /**
         * Prints {@code RUN <epoch millis>}. {@code lockAtLeastFor} keeps the lock for half a
         * second after a quick run, so that a JVM whose timer fires a little late does not run
         * the same tick again.
         */
        @Scheduled(cron = "* * * * * *")
        @SchedulerLock(name = "${" + LOCK_NAME + "}", lockAtLeastFor = "PT0.5S")
        public void run() {
            System.out.println("RUN " + System.currentTimeMillis());
            System.out.flush();
        }
    }

    private static void worker(String name) throws IOException {
        System.setProperty(LOCK_NAME, name);
        try (AnnotationConfigApplicationContext context =
                new AnnotationConfigApplicationContext(Config.class)) {
            System.out.println("READY");
            System.out.flush();
            while (System.in.read() >= 0) {
                // the job runs on Spring's scheduler thread until the launcher closes our input
            }
        }
    }

    /** A line from a worker. */
    private record Line(int worker, String text) {
    }

    /**
     * Starts the workers, lets them run {@code ticks} whole seconds once all are ready, and
     * prints who ran each tick; returns whether every tick ran exactly once.
     */
    static boolean run(PrintStream out, int workers, int ticks, String name) throws Exception {
        out.printf("%d JVMs run @Scheduled(cron = \"* * * * * *\") + @SchedulerLock%n", workers);
        BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
        List<Process> procs = new ArrayList<>();
        try {
            for (int i = 0; i < workers; i++) {
                Process p = jvm("worker", name);
                procs.add(p);
                read(i + 1, p, lines);
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            for (int ready = 0; ready < workers; ) {
                Line l = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (l == null || l.text().startsWith("EXIT")) {
                    throw new IllegalStateException("a worker did not start: " + l);
                }
                if (l.text().equals("READY")) {
                    ready++;
                }
            }
            // The ticks counted start 3 s after all are ready: every JVM has run (or tried to
            // run) its first, cold tick by then, whose class loading can make a timer fire late.
            List<Line> runs = new ArrayList<>();
            long first = System.currentTimeMillis() / 1000 + 3;
            long end = (first + ticks) * 1000;
            Thread.sleep(end + 700 - System.currentTimeMillis()); // the job runs meanwhile
            for (Process p : procs) {
                p.getOutputStream().close(); // each worker closes its context and exits
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (int exited = 0; exited < workers; ) {
                Line l = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (l == null) {
                    throw new IllegalStateException("a worker did not stop");
                }
                if (l.text().equals("EXIT")) {
                    exited++;
                } else {
                    runs.add(l);
                }
            }
            return report(out, runs, first, ticks);
        } finally {
            procs.forEach(Process::destroyForcibly);
        }
    }

    private static boolean report(PrintStream out, List<Line> lines, long first, int ticks) {
        List<List<Integer>> byTick = new ArrayList<>();
        for (int t = 0; t < ticks; t++) {
            byTick.add(new ArrayList<>());
        }
        for (Line l : lines) {
            if (l.text().startsWith("RUN ")) {
                // The run started just after its tick (a late timer may start it later): the
                // nearest whole second is the tick it served.
                long tick = Math.round(Long.parseLong(l.text().substring(4)) / 1000.0) - first;
                if (tick >= 0 && tick < ticks) {
                    byTick.get((int) tick).add(l.worker());
                }
            }
        }
        boolean exact = true;
        for (int t = 0; t < ticks; t++) {
            List<Integer> ran = byTick.get(t);
            out.printf("tick %2d: %s%n", t + 1, ran.isEmpty() ? "no run"
                    : ran.size() == 1 ? "run by JVM " + ran.get(0) : "run by JVMs " + ran);
            exact &= ran.size() == 1;
        }
        out.println("exactly one run per tick: " + exact);
        return exact;
    }

    private static void read(int worker, Process p, BlockingQueue<Line> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String s; (s = r.readLine()) != null; ) {
                    lines.add(new Line(worker, s));
                }
                lines.add(new Line(worker, "EXIT"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "worker-" + worker + "-output");
        t.setDaemon(true);
        t.start();
    }

    private static Process jvm(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(System.getProperty("java.home")
                + File.separator + "bin" + File.separator + "java"));
        cmd.add("-Xmx96m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ScheduledJob.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }
}
