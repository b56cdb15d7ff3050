package io.flowguard.ingest.source;

import io.flowguard.ingest.IngestException;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records of a comma-separated file as RFC 4180 writes them: a field may be quoted ({@code "a,b"}), a doubled quote
 * inside quotes is one quote, and lines end with LF or CRLF. A quoted field must end on its own line (quoted line
 * breaks are refused, so that a record is always one line and line numbers stay exact), spaces around a quoted field
 * are ignored, and blank lines are skipped. Problems are {@link IngestException}s naming the file, line and column.
 */
public final class CsvReader implements Closeable {

    private final BufferedReader in;
    private final String name;
    private long line;

    /** @param name the file as error messages name it */
    public CsvReader(BufferedReader in, String name) {
        this.in = in;
        this.name = name;
    }

    /** Opens {@code file} with {@link TextFiles#open(Path)} (gzip by content, byte-order mark dropped). */
    public static CsvReader open(Path file) throws IOException {
        return new CsvReader(TextFiles.open(file), file.toString());
    }

    /**
     * The header: the first record, names trimmed. Refuses an empty file, an empty name and a name used twice (a
     * second column of the same name would silently read as the first).
     */
    public String[] header() throws IOException {
        String[] header = next();
        if (header == null) {
            throw new IngestException(name + ": expected a header row, got an empty file");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int j = 0; j < header.length; j++) {
            header[j] = header[j].trim();
            if (header[j].isEmpty()) {
                throw new IngestException(name + ": header, column " + (j + 1) + ": expected a column name, got an"
                        + " empty one");
            }
            Integer first = seen.putIfAbsent(header[j], j + 1);
            if (first != null) {
                throw new IngestException(name + ": header, column " + (j + 1) + " " + Cells.show(header[j])
                        + ": expected unique column names, got the name of column " + first + " again");
            }
        }
        return header;
    }

    /** The fields of the next record that is not a blank line, or null at the end of the file. */
    public String[] next() throws IOException {
        String text;
        while ((text = in.readLine()) != null) {
            line++;
            if (!text.isBlank()) {
                return text.indexOf('"') < 0 ? text.split(",", -1) : quoted(text);
            }
        }
        return null;
    }

    /** The 1-based line number of the record {@link #next} returned last. */
    public long line() {
        return line;
    }

    private String[] quoted(String text) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int n = text.length();
        int i = 0;
        while (true) {
            int j = skipSpaces(text, i);
            if (j < n && text.charAt(j) == '"') {
                field.setLength(0);
                j++;
                while (true) {
                    if (j >= n) {
                        throw error(fields.size() + 1, "expected a closing quote on the same line, got the end of "
                                + "the line (quoted line breaks are not supported)");
                    }
                    char c = text.charAt(j++);
                    if (c != '"') {
                        field.append(c);
                    } else if (j < n && text.charAt(j) == '"') {
                        field.append('"');
                        j++;
                    } else {
                        break;
                    }
                }
                j = skipSpaces(text, j);
                if (j < n && text.charAt(j) != ',') {
                    throw error(fields.size() + 1, "expected a comma or the end of the line after the closing "
                            + "quote, got " + Cells.show(text.substring(j)));
                }
                fields.add(field.toString());
                if (j >= n) {
                    break;
                }
                i = j + 1;
            } else {
                int comma = text.indexOf(',', i);
                fields.add(comma < 0 ? text.substring(i) : text.substring(i, comma));
                if (comma < 0) {
                    break;
                }
                i = comma + 1;
            }
        }
        return fields.toArray(String[]::new);
    }

    private static int skipSpaces(String text, int from) {
        int i = from;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    private IngestException error(int column, String what) {
        return new IngestException(name + ": line " + line + ", column " + column + ": " + what);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
