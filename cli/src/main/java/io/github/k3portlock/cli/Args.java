package io.github.k3portlock.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's argument parser: a few options and positionals per command, GNU style ({@code -n},
 * clustered {@code -nv}, {@code -w 5s}, {@code -w5s}, {@code --timeout 5s},
 * {@code --timeout=5s}, {@code --} to end options). Hand-written rather than a library's: a
 * library's reflection and class loading were most of the CLI's start-up time. Not thread-safe;
 * one instance parses one command line.
 */
final class Args {
    /** Bad arguments: exit 2 with the message, the command's synopsis and a pointer to help. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient Spec spec;

        UsageException(Spec spec, String message) {
            super(message);
            this.spec = spec;
        }
    }

    /**
     * One option.
     *
     * @param names its names, the long one last ({@code -w}, {@code --timeout})
     * @param label its value's label, {@code null} for a flag
     * @param help its help line
     */
    record Opt(List<String> names, String label, String help) {
        static Opt flag(String help, String... names) {
            return new Opt(List.of(names), null, help);
        }

        static Opt value(String label, String help, String... names) {
            return new Opt(List.of(names), label, help);
        }

        String longName() {
            return names.get(names.size() - 1);
        }
    }

    /**
     * A command's grammar and help.
     *
     * @param name the command's name ({@code run}), or {@code null} for the top level
     * @param synopsis the usage line after {@code portlock}
     * @param description help paragraphs
     * @param options its options, help and version included
     * @param positionals how many positionals it takes before the rest (run: KEY, then COMMAND)
     * @param rest whether what follows the positionals is kept verbatim (run's COMMAND)
     * @param footer help lines after the options
     */
    record Spec(String name, String synopsis, List<String> description, List<Opt> options,
            int positionals, boolean rest, List<String> footer) {
        String qualifiedName() {
            return name == null ? "portlock" : "portlock " + name;
        }

        Opt option(String name) {
            for (Opt o : options) {
                if (o.names().contains(name)) {
                    return o;
                }
            }
            return null;
        }
    }

    static final Opt HELP = Opt.flag("Show this help message and exit.", "-h", "--help");
    static final Opt VERSION = Opt.flag("Print version information and exit.", "-V", "--version");

    final Spec spec;
    private final Map<String, String> values = new HashMap<>();
    final List<String> positionals = new ArrayList<>();
    /** What follows the positionals, verbatim, a leading {@code --} included (run's COMMAND). */
    final List<String> rest = new ArrayList<>();

    private Args(Spec spec) {
        this.spec = spec;
    }

    /**
     * Parses a command's arguments (after its name).
     *
     * @throws UsageException for an unknown option, a missing or repeated value, or an extra
     *         positional
     */
    static Args parse(Spec spec, List<String> args) {
        Args a = new Args(spec);
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (spec.rest() && a.positionals.size() == spec.positionals()) {
                a.rest.addAll(args.subList(i, args.size()));
                break;
            }
            if (!optionsEnded && arg.equals("--")) {
                optionsEnded = true;
            } else if (!optionsEnded && arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                String name = eq < 0 ? arg : arg.substring(0, eq);
                Opt o = a.known(name, arg);
                if (o.label() == null) {
                    if (eq >= 0) {
                        throw new UsageException(spec, "option '" + name + "' takes no value");
                    }
                    a.set(o, "true");
                } else if (eq >= 0) {
                    a.set(o, arg.substring(eq + 1));
                } else {
                    a.set(o, a.valueAt(args, ++i, o));
                }
            } else if (!optionsEnded && arg.startsWith("-") && arg.length() > 1) {
                for (int j = 1; j < arg.length(); j++) {
                    Opt o = a.known("-" + arg.charAt(j), arg);
                    if (o.label() == null) {
                        a.set(o, "true");
                    } else {
                        a.set(o, j + 1 < arg.length() ? arg.substring(j + 1)
                                : a.valueAt(args, ++i, o));
                        break;
                    }
                }
            } else if (a.positionals.size() < spec.positionals()) {
                a.positionals.add(arg);
            } else {
                throw new UsageException(spec, "Unmatched argument at index " + i + ": '" + arg
                        + "'");
            }
        }
        return a;
    }

    private Opt known(String name, String arg) {
        Opt o = spec.option(name);
        if (o == null) {
            String message = "Unknown option: '" + (name.startsWith("--") ? name : arg) + "'";
            if (name.equals("--zookeeper") || name.equals("--zk-root")) {
                // status and ports describe port locks: for a ZooKeeper lock, say where to look.
                throw new UsageException(spec, message + ": " + spec.qualifiedName() + " works on"
                        + " port locks only; a ZooKeeper lock taken by 'portlock run --zookeeper'"
                        + " is"
                        + " the children of ZK-ROOT/KEY (default /k3portlock/KEY), the first of"
                        + " which holds it: list them with ZooKeeper's zkCli.sh (ls, stat)");
            }
            String close = closest(name);
            throw new UsageException(spec, close == null ? message
                    : message + " (did you mean '" + close + "'?)");
        }
        return o;
    }

    /** The option name nearest to a misspelt one, if it is near enough to be meant. */
    private String closest(String name) {
        String best = null;
        int bestDistance = 3;
        for (Opt o : spec.options()) {
            for (String n : o.names()) {
                int d = distance(name, n);
                if (n.length() > 2 && d < bestDistance) {
                    best = n;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private String valueAt(List<String> args, int i, Opt o) {
        if (i >= args.size()) {
            throw new UsageException(spec, "Missing required parameter for option '" + o.longName()
                    + "' (" + o.label() + ")");
        }
        return args.get(i);
    }

    private void set(Opt o, String value) {
        if (values.putIfAbsent(o.longName(), value) != null) {
            throw new UsageException(spec, "option '" + o.longName()
                    + "' should be specified only once");
        }
    }

    boolean has(String longName) {
        return values.containsKey(longName);
    }

    String value(String longName) {
        return values.get(longName);
    }

    Integer intValue(String longName) {
        String v = values.get(longName);
        if (v == null) {
            return null;
        }
        try {
            return Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(spec, "Invalid value for option '" + longName + "': '" + v
                    + "' is not an int");
        }
    }

    /** The positional at {@code index}, or a usage error naming it by {@code label}. */
    String required(int index, String label) {
        if (positionals.size() <= index) {
            throw new UsageException(spec, "Missing required parameter: '" + label + "'");
        }
        return positionals.get(index);
    }

    /** Prints a command's help. */
    static void printHelp(Spec spec, PrintWriter out) {
        printSynopsis(spec, out);
        for (String d : spec.description()) {
            wrap(out, d, "", 80);
        }
        if (!spec.options().isEmpty()) {
            out.println("Options:");
            for (Opt o : spec.options()) {
                String names = String.join(", ", o.names())
                        + (o.label() == null ? "" : "=" + o.label());
                String head = String.format(Locale.ROOT, "  %-26s", names);
                if (names.length() > 25) {
                    out.println("  " + names);
                    head = " ".repeat(28);
                }
                wrap(out, o.help(), head, 80);
            }
        }
        for (String f : spec.footer()) {
            if (f.isEmpty()) {
                out.println();
            } else {
                wrap(out, f, "", 80);
            }
        }
        out.flush();
    }

    /** Prints {@code Usage: portlock CMD ...}, wrapped under the command's name. */
    static void printSynopsis(Spec spec, PrintWriter out) {
        String head = "Usage: " + spec.qualifiedName() + " ";
        String[] words = spec.synopsis().split(" ");
        StringBuilder line = new StringBuilder(head);
        for (int i = 0; i < words.length; i++) {
            if (i > 0 && line.length() + 1 + words[i].length() > 80) {
                out.println(line);
                line = new StringBuilder(" ".repeat(head.length()));
            } else if (i > 0) {
                line.append(' ');
            }
            line.append(words[i]);
        }
        out.println(line);
    }

    /** Prints {@code text} wrapped at {@code width}, the first line after {@code head}. */
    private static void wrap(PrintWriter out, String text, String head, int width) {
        String indent = " ".repeat(head.length());
        StringBuilder line = new StringBuilder(head);
        boolean empty = true;
        for (String word : text.split(" ")) {
            if (!empty && line.length() + 1 + word.length() > width) {
                out.println(line);
                line = new StringBuilder(indent);
                empty = true;
            }
            if (!empty) {
                line.append(' ');
            }
            line.append(word);
            empty = false;
        }
        out.println(line);
    }
}
