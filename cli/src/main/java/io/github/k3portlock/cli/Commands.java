package io.github.k3portlock.cli;

import java.io.PrintWriter;

/** What the three commands share. Stateless. */
final class Commands {
    private Commands() {
    }

    /** Prints the command's help, or the version; exit 0. */
    static int helpOrVersion(Args.Spec spec, boolean help, PrintWriter out) {
        if (help) {
            Args.printHelp(spec, out);
        } else {
            out.println(Main.version());
        }
        out.flush();
        return 0;
    }
}
