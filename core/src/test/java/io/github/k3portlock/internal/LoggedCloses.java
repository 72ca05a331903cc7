package io.github.k3portlock.internal;

import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

/** Lets tests of other packages see what {@link Descriptors} logs (refused closes). */
public final class LoggedCloses {
    private LoggedCloses() {
    }

    /**
     * Runs {@code body} with a recording logger in place of Descriptors' own.
     *
     * @param body what to run
     * @return what Descriptors logged meanwhile, one "LEVEL message" per entry
     */
    public static List<String> during(Runnable body) {
        List<String> messages = new CopyOnWriteArrayList<>();
        System.Logger recording = new System.Logger() {
            @Override
            public String getName() {
                return "io.github.k3portlock";
            }

            @Override
            public boolean isLoggable(Level level) {
                return true;
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
                messages.add(level + " " + msg + (thrown == null ? "" : " " + thrown));
            }

            @Override
            public void log(Level level, ResourceBundle bundle, String format, Object... params) {
                messages.add(level + " " + format);
            }
        };
        System.Logger before = Descriptors.logger;
        Descriptors.logger = recording;
        try {
            body.run();
        } finally {
            Descriptors.logger = before;
        }
        return messages;
    }
}
