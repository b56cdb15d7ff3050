package io.flowguard.ingest.source;

import java.util.Locale;

/**
 * What a numeric cell may hold, and how a bad cell is shown in an error message.
 *
 * <p>A number is plain decimal or scientific notation, {@code [+-]? (d+ [. d*] | . d+) ([eE] [+-]? d+)?}: Java's
 * own parser also takes hexadecimal ({@code 0x1p3}) and type suffixes ({@code 8d}, {@code 1.5f}), which no CSV
 * writer means as numbers. The words {@code nan}, {@code inf} and {@code infinity} (any case, optional sign) are
 * recognised so that they can be refused as non-finite rather than as text.
 */
public final class Cells {

    /** How many characters of a bad cell an error message shows. */
    public static final int SHOWN = 40;

    private Cells() {}

    /** True when {@code s} (already trimmed) is a plain decimal or scientific number. */
    public static boolean isDecimal(String s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = digits(s, i);
        i += intDigits;
        int fracDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            fracDigits = digits(s, i);
            i += fracDigits;
        }
        if (intDigits + fracDigits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = digits(s, i);
            if (expDigits == 0) {
                return false;
            }
            i += expDigits;
        }
        return i == n;
    }

    /** True for {@code nan}, {@code inf} or {@code infinity}, in any case, with an optional sign. */
    public static boolean isNonFiniteWord(String s) {
        String w = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
        w = w.toLowerCase(Locale.ROOT);
        return w.equals("nan") || w.equals("inf") || w.equals("infinity");
    }

    /**
     * {@code s} quoted for a one-line message: about {@value #SHOWN} characters (then "..."), with control,
     * format and replacement characters (what binary input decodes to) escaped as {@code \n}, {@code \t} or
     * {@code \}{@code uXXXX}.
     */
    public static String show(String s) {
        StringBuilder b = new StringBuilder("'");
        int i = 0;
        while (i < s.length() && b.length() <= SHOWN) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            switch (cp) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (printable(cp)) {
                        b.appendCodePoint(cp);
                    } else if (Character.isBmpCodePoint(cp)) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", cp));
                    } else {
                        b.append(String.format(Locale.ROOT, "\\U%08x", cp));
                    }
                }
            }
        }
        return b.append(i < s.length() ? "...'" : "'").toString();
    }

    /**
     * {@code s} as a CSV field, the way {@link CsvReader} reads it back: as it is, or in double quotes (inner
     * quotes doubled) when it holds a comma, a quote or a line break, or starts or ends with a space.
     */
    public static String csvField(String s) {
        boolean plain = s.isEmpty()
                || !Character.isWhitespace(s.charAt(0)) && !Character.isWhitespace(s.charAt(s.length() - 1));
        for (int i = 0; plain && i < s.length(); i++) {
            char c = s.charAt(i);
            plain = c != ',' && c != '"' && c != '\n' && c != '\r';
        }
        return plain ? s : '"' + s.replace("\"", "\"\"") + '"';
    }

    private static boolean printable(int cp) {
        int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.UNASSIGNED
                && type != Character.PRIVATE_USE && type != Character.SURROGATE && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && cp != 0xFFFD;
    }

    private static int digits(String s, int from) {
        int i = from;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return i - from;
    }
}
