package io.github.k3portlock.cli;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the CLI's DURATION arguments: a number with a unit ({@code 500ms}, {@code 10s},
 * {@code 2m}, {@code 1h}, {@code 1d}, fractions such as {@code 1.5s}, or a sum such as
 * {@code 1h30m}), a bare number of seconds as flock(1)'s {@code -w} takes ({@code 2.5}), or
 * ISO-8601 ({@code PT5S}). Never negative, and at most {@link #MAX} (100 years: a longer wait is a
 * typo, and would overflow the lock's nanosecond deadline). Stateless and thread-safe.
 */
final class Durations {
    static final String FORMS = "e.g. 10s, 500ms, 2m, 1h, 1h30m, 2.5 (seconds) or PT5S";

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");
    private static final Pattern SUM = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+");
    private static final Pattern SECONDS = Pattern.compile("\\d+(?:\\.\\d+)?");
    /**
     * The longest duration accepted: 100 years of 365.25 days, the century that
     * {@code Portlock.Builder.timeout} documents as "no timeout".
     */
    static final Duration MAX = Duration.ofDays(36_525);
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(MAX.toNanos());

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param text the argument
     * @return a duration of zero or more
     * @throws IllegalArgumentException naming the argument and the accepted forms
     */
    static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("p") || s.startsWith("-p") || s.startsWith("+p")) {
            Duration d;
            try {
                d = Duration.parse(s.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
            if (d.isNegative()) {
                throw negative(text);
            }
            if (d.compareTo(MAX) > 0) {
                throw tooLong(text);
            }
            return d;
        }
        if (s.startsWith("-") && (SECONDS.matcher(s.substring(1)).matches()
                || SUM.matcher(s.substring(1)).matches())) {
            throw negative(text);
        }
        if (SECONDS.matcher(s).matches()) {
            return nanos(new BigDecimal(s).multiply(BigDecimal.valueOf(1_000_000_000L)), text);
        }
        if (!SUM.matcher(s).matches()) {
            throw invalid(text);
        }
        BigDecimal total = BigDecimal.ZERO;
        Matcher m = PART.matcher(s);
        while (m.find()) {
            total = total.add(new BigDecimal(m.group(1))
                    .multiply(BigDecimal.valueOf(unitNanos(m.group(2)))));
        }
        return nanos(total, text);
    }

    private static long unitNanos(String unit) {
        switch (unit) {
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            case "m":
                return 60_000_000_000L;
            case "h":
                return 3_600_000_000_000L;
            default:
                return 86_400_000_000_000L;
        }
    }

    private static Duration nanos(BigDecimal nanos, String text) {
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw tooLong(text);
        }
        return Duration.ofNanos(nanos.longValue());
    }

    private static IllegalArgumentException tooLong(String text) {
        return new IllegalArgumentException("duration '" + text + "' is too long (at most 100"
                + " years;"
                + " to wait as long as it takes, give no --timeout)");
    }

    private static IllegalArgumentException negative(String text) {
        return new IllegalArgumentException("duration '" + text + "' must not be negative");
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration (" + FORMS + ")");
    }
}
