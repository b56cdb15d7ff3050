package io.flowguard.ingest.source;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.flowguard.ingest.IngestException;
import io.flowguard.schemas.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import java.util.zip.GZIPInputStream;

/**
 * Reads events from CSV (with a header row) or JSON lines, from a file ({@code .gz} allowed) or standard input.
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
        String headerLine = in.readLine();
        if (headerLine == null) {
            throw new IngestException(file + ": expected a header row, got an empty file");
        }
        String[] header = headerLine.split(",", -1);
        long row = 0;
        String line;
        while ((line = in.readLine()) != null) {
            row++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length != header.length) {
                throw new IngestException(file + ": row " + row + ": expected " + header.length + " columns, got "
                        + cells.length);
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int c = 0; c < header.length; c++) {
                values.put(header[c].trim(), cells[c].trim());
            }
            sink.accept(event(values, file, row, source));
        }
        return row;
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
                throw new IngestException(file + ": line " + row + ": expected a JSON object, got " + abbreviate(line));
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
            double v;
            try {
                v = Double.parseDouble(e.getValue());
            } catch (NumberFormatException notNumeric) {
                throw new IngestException(file + ": row " + row + ", column '" + column + "': expected a number, got '"
                        + abbreviate(e.getValue()) + "'");
            }
            if (!Double.isFinite(v)) {
                throw new IngestException(file + ": row " + row + ", column '" + column + "': expected a finite "
                        + "number, got " + e.getValue());
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
                    + "or an ISO-8601 time, got '" + abbreviate(cell) + "'");
        }
    }

    private static String text(JsonElement e) {
        return e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static BufferedReader open(String file) throws IOException {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IngestException(file + ": no such file");
        }
        var in = Files.newInputStream(path);
        try {
            return new BufferedReader(new InputStreamReader(file.endsWith(".gz") ? new GZIPInputStream(in) : in,
                    StandardCharsets.UTF_8));
        } catch (IOException e) {
            in.close();
            throw new UncheckedIOException(e);
        }
    }
}
