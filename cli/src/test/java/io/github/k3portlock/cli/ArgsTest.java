package io.github.k3portlock.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The argument parser, in-process: only paths that fail or print before any lock is taken. */
class ArgsTest {
    private String out;
    private String err;

    private int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Main.execute(new PrintWriter(o), new PrintWriter(e), args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    @Test
    void negativeTimeoutSaysNegative() {
        for (String t : new String[] {"-5s", "-5", "-PT5S", "-1h30m"}) {
            assertEquals(2, run("run", "--timeout", t, "k", "--", "true"), err);
            assertTrue(err.startsWith("portlock: Invalid value for option '--timeout': duration '"
                    + t + "' must not be negative\nUsage: portlock run "), err);
            assertEquals(2, run("run", "-w" + t, "k", "true"), err);
            assertTrue(err.contains("must not be negative"), err);
        }
    }

    @Test
    void optionsBeforeTheCommandSayWhereTheyBelong() {
        assertEquals(2, run("--verbose", "run", "k", "--", "true"));
        assertTrue(err.startsWith("portlock: option '--verbose' goes after the command, as in"
                + " 'portlock run --verbose ...'\nUsage: portlock [-hV] COMMAND\n"), err);
        assertEquals(2, run("-n", "run", "k", "true"));
        assertTrue(err.contains("option '-n' goes after the command, as in 'portlock run -n ...'"),
                err);
        assertEquals(2, run("--host=::1", "status", "k"));
        assertTrue(err.contains("option '--host' goes after the command, as in"
                + " 'portlock status --host ...'"), err);
        assertEquals(2, run("--bogus", "run", "k", "true"));
        assertTrue(err.startsWith("portlock: Unknown option: '--bogus'"), err);
        assertEquals("", out);
    }

    @Test
    void versionAndHelpAtTheTopAndInEachCommand() {
        assertEquals(0, run("--version"));
        assertTrue(out.startsWith("portlock "), out);
        for (String c : List.of("run", "status", "ports")) {
            assertEquals(0, run(c, "--help"));
            assertTrue(out.startsWith("Usage: portlock " + c + " "), out);
            assertTrue(out.contains("Exit codes:"), out);
            assertTrue(out.contains("--range-start=PORT"), out);
            assertEquals(0, run(c, "-V"));
            assertTrue(out.startsWith("portlock "), out);
        }
        assertEquals(0, run("-h"));
        assertTrue(out.contains("\n  run "), out);
    }

    @Test
    void parsesClustersAttachedValuesAndEndOfOptions() {
        Args a = Args.parse(RunOptions.SPEC, List.of("-nvE75", "--host=::1", "k", "-x", "--", "y"));
        assertTrue(a.has("--nonblock") && a.has("--verbose"));
        assertEquals("75", a.value("--conflict-exit-code"));
        assertEquals("::1", a.value("--host"));
        assertEquals(List.of("k"), a.positionals);
        assertEquals(List.of("-x", "--", "y"), a.rest, "everything after KEY is COMMAND");

        Args s = Args.parse(StatusCommand.SPEC, List.of("k", "--port-count", "5"));
        assertEquals(List.of("k"), s.positionals, "status takes options after KEY");
        assertEquals(5, s.intValue("--port-count"));
        Args dash = Args.parse(StatusCommand.SPEC, List.of("--", "-k"));
        assertEquals(List.of("-k"), dash.positionals, "-- lets a key start with -");
    }

    @Test
    void badArgumentsNameWhatWasWrong() {
        String[][] bad = {
            {"run", "--nonblok", "k", "true"},
            {"run", "-n", "-w", "1s", "k", "true"},
            {"run", "-w"},
            {"run", "-w", "1s", "-w", "2s", "k", "true"},
            {"run", "--nonblock=yes", "k", "true"},
            {"status", "k", "extra"},
            {"ports", "--port-count", "three", "k"},
            {"lock"},
            {},
            {"frob", "k"},
            {"run", "k"},
            {"run", "k", "--"},
            {"run", "-q", "-v", "k", "true"},
        };
        String[] messages = {
            "Unknown option: '--nonblok' (did you mean '--nonblock'?)",
            "--timeout=DURATION, --nonblock are mutually exclusive",
            "Missing required parameter for option '--timeout' (DURATION)",
            "option '--timeout' should be specified only once",
            "option '--nonblock' takes no value",
            "Unmatched argument at index 1: 'extra'",
            "Invalid value for option '--port-count': 'three' is not an int",
            "unknown command 'lock' (commands: run, status, ports)",
            "Missing a command: run, status or ports",
            "unknown command 'frob' (commands: run, status, ports)",
            "Missing required parameter: 'COMMAND'",
            "Missing required parameter: 'COMMAND'",
            "--quiet, --verbose are mutually exclusive",
        };
        for (int i = 0; i < bad.length; i++) {
            assertEquals(2, run(bad[i]), String.join(" ", bad[i]) + ": " + err);
            assertTrue(err.startsWith("portlock: " + messages[i]), err);
            assertTrue(err.contains("Usage: portlock"), err);
            assertFalse(err.contains("Exception"), err);
            assertEquals("", out);
        }
    }

    @Test
    void usageLinesNameEveryOption() {
        for (Args.Spec spec : List.of(RunOptions.SPEC, PortsCommand.SPEC)) {
            StringWriter w = new StringWriter();
            Args.printSynopsis(spec, new PrintWriter(w));
            String usage = w.toString().replaceAll("\\s+", " ");
            for (Args.Opt o : spec.options()) {
                String name = o.longName();
                String shortName = o.names().size() > 1 ? o.names().get(0).substring(1) : null;
                boolean listed = usage.contains("[" + name) || usage.contains(" " + name)
                        || shortName != null && usage.matches("(?s).*\\[-[a-zA-Z]*" + shortName
                                + "[a-zA-Z]*].*")
                        || shortName != null && usage.contains("[-" + shortName + "=");
                assertTrue(listed, name + " in " + usage);
            }
        }
    }

    @Test
    void aNonLoopbackHostNeedsTheFlagAndWildcardsAreRefused() {
        assertEquals(2, run("ports", "--host", "192.0.2.1", "k"));
        assertTrue(err.contains("192.0.2.1 is not a loopback address")
                && err.contains("pass --allow-non-loopback"), err);
        assertEquals(0, run("ports", "--allow-non-loopback", "--host", "192.0.2.1", "k"), err);
        assertEquals(3, out.lines().count(), out);
        assertEquals(2, run("ports", "--allow-non-loopback", "--host", "0.0.0.0", "k"));
        assertTrue(err.contains("wildcard"), err);
    }
}
