package io.flowguard.ingest.source;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.flowguard.ingest.IngestException;
import io.flowguard.schemas.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads events from CSV (with a header row; RFC 4180 quoting, see {@link CsvReader}) or JSON lines, from a file
 * (gzip'd or not, told by content: {@link TextFiles}) or standard input. Numbers are plain decimal or scientific
 * notation ({@link Cells}).
 * Every numeric column or field is a feature except the id, key, time and skipped ones; a non-numeric,
 * NaN or infinite feature value is a user error naming the file, the row and the column (the stream scorer
 * would dead-letter it; ingest refuses it at the door). The NAB files ({@code timestamp,value}) read as CSV with
 * time column {@code timestamp}.
 *
 * @param idColumn column giving the event id; absent: {@code <source>-<row>}
 * @param keyColumn column giving the entity; absent: the source name
 * @param timeColumn column giving the event time (epoch millis or ISO-8601 / {@code yyyy-MM-dd HH:mm:ss} UTC);
 *     absent: now
 * @param skip further columns that are not features (labels)
 */
public record TableEvents(String idColumn, String keyColumn, String timeColumn, Set<String> skip) {

    /** Reads {@code file} ("-" for standard input) and hands each event to {@code sink}; returns the count. */
    public long read(String file, String source, boolean jsonLines, Consumer<Event> sink) {
        try (BufferedReader in = open(file)) {
            return jsonLines ? readJson(in, file, source, sink) : readCsv(in, file, source, sink);
        } catch (IOException e) {
            throw new IngestException(file + ": cannot read: " + e.getMessage());
        }
    }

    private long readCsv(BufferedReader in, String file, String source, Consumer<Event> sink) throws IOException {
        CsvReader csv = new CsvReader(in, file);
        String[] header = csv.header();
        long headerLine = csv.line();
        long rows = 0;
        String[] cells;
        while ((cells = csv.next()) != null) {
            long row = csv.line() - headerLine;
            if (cells.length != header.length) {
                throw new IngestException(file + ": row " + row + ": expected " + header.length + " columns, got "
                        + cells.length);
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                values.put(header[c], cells[c].trim());
            }
            sink.accept(event(values, file, row, source));
            rows++;
        }
        return rows;
    }

    private long readJson(BufferedReader in, String file, String source, Consumer<Event> sink) throws IOException {
        long row = 0;
        String line;
        while ((line = in.readLine()) != null) {
            row++;
            if (line.isBlank()) {
                continue;
            }
            JsonObject object;
            try {
                object = JsonParser.parseString(line).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IngestException(file + ": line " + row + ": expected a JSON object, got "
                        + Cells.show(line));
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : object.entrySet()) {
                if (e.getValue().isJsonObject()) {
                    e.getValue().getAsJsonObject().entrySet().forEach(f -> values.put(f.getKey(), text(f.getValue())));
                } else {
                    values.put(e.getKey(), text(e.getValue()));
                }
            }
            sink.accept(event(values, file, row, source));
        }
        return row;
    }

    private Event event(Map<String, String> values, String file, long row, String source) {
        Map<String, Double> features = new HashMap<>();
        Map<String, String> context = new HashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String column = e.getKey();
            if (column.equals(idColumn) || column.equals(keyColumn) || column.equals(timeColumn)) {
                continue;
            }
            if (skip.contains(column)) {
                context.put(column, e.getValue());
                continue;
            }
            String cell = e.getValue();
            if (Cells.isNonFiniteWord(cell)) {
                throw new IngestException(file + ": row " + row + ", column '" + column + "': expected a finite "
                        + "number, got " + cell);
            }
            if (!Cells.isDecimal(cell)) {
                throw new IngestException(file + ": row " + row + ", column '" + column + "': expected a number, got "
                        + Cells.show(cell));
            }
            double v = Double.parseDouble(cell);
            if (!Double.isFinite(v)) {
                throw new IngestException(file + ": row " + row + ", column '" + column + "': expected a number in "
                        + "float64 range, got " + Cells.show(cell));
            }
            features.put(column, v);
        }
        String id = idColumn != null && values.containsKey(idColumn) ? values.get(idColumn) : source + "-" + row;
        String key = keyColumn != null && values.containsKey(keyColumn) ? values.get(keyColumn) : source;
        Instant time = timeColumn != null && values.containsKey(timeColumn)
                ? time(values.get(timeColumn), file, row) : Instant.now();
        return Event.newBuilder().setEventId(id).setKey(key).setSource(source).setEventTime(time)
                .setFeatures(features).setContext(context).build();
    }

    private Instant time(String cell, String file, long row) {
        try {
            if (cell.matches("-?\\d+")) {
                return Instant.ofEpochMilli(Long.parseLong(cell));
            }
            if (cell.endsWith("Z") || cell.contains("+")) {
                return Instant.parse(cell);
            }
            return LocalDateTime.parse(cell.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IngestException(file + ": row " + row + ", column '" + timeColumn + "': expected epoch millis "
                    + "or an ISO-8601 time, got " + Cells.show(cell));
        }
    }

    private static String text(JsonElement e) {
        return e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    private static BufferedReader open(String file) throws IOException {
        if (file.equals("-")) {
            return TextFiles.open(System.in);
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IngestException(file + ": no such file");
        }
        return TextFiles.open(path);
    }
}
