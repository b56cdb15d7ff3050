package io.flowguard.ingest.nab;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.flowguard.ingest.IngestException;
import io.flowguard.ingest.source.Cells;
import io.flowguard.ingest.source.CsvReader;
import io.flowguard.ingest.source.TextFiles;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * NAB's file layout: a data folder of {@code <category>/<name>.csv} files ({@code timestamp,value}), the labels
 * folder's {@code combined_windows.json} ({@code {"<category>/<name>.csv": [["start", "end"], ...]}}), and a
 * detector's results folder {@code <category>/<DETECTOR>_<name>.csv}
 * ({@code timestamp,value,anomaly_score,label}). Any categories, not only NAB's. Rows are taken in file order, as NAB
 * does: some of its real series step back in time (machine_temperature_system_failure.csv, row 10,151), and refusing
 * them would refuse NAB. Errors name the file, row and column.
 */
public final class NabCorpus {

    /** {@code 2014-04-01 00:00:00}, optionally with a fraction ({@code .000000}), or with a {@code T}. */
    private static final DateTimeFormatter TIME = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd().optionalStart().appendLiteral('T').optionalEnd()
            .appendPattern("HH:mm:ss").optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd().toFormatter();

    private NabCorpus() {}

    /** The data files under {@code dataDir} as {@code category/name.csv}, sorted. */
    public static List<String> dataFiles(Path dataDir) {
        if (!Files.isDirectory(dataDir)) {
            throw new IngestException(dataDir + ": expected a NAB data folder (<category>/<file>.csv), got no folder");
        }
        try (Stream<Path> all = Files.walk(dataDir, 2)) {
            List<String> files = all.filter(p -> p.getNameCount() - dataDir.getNameCount() == 2)
                    .filter(p -> p.getFileName().toString().endsWith(".csv") && Files.isRegularFile(p))
                    .map(p -> dataDir.relativize(p).toString().replace('\\', '/')).sorted().toList();
            if (files.isEmpty()) {
                throw new IngestException(dataDir + ": expected <category>/<file>.csv files, found none");
            }
            return files;
        } catch (IOException e) {
            throw new IngestException(dataDir + ": cannot list the data folder: " + e.getMessage());
        }
    }

    /** The anomaly windows of every file listed in {@code labelsDir/combined_windows.json}. */
    public static Map<String, List<AnomalyWindow>> windows(Path labelsDir) {
        Path file = Files.isDirectory(labelsDir) ? labelsDir.resolve("combined_windows.json") : labelsDir;
        Map<String, List<AnomalyWindow>> out = new LinkedHashMap<>();
        try (Reader in = TextFiles.open(file)) {
            JsonElement root = JsonParser.parseReader(in);
            if (!root.isJsonObject()) {
                throw new IngestException(file + ": expected an object of windows per file, got " + root);
            }
            for (Map.Entry<String, JsonElement> e : root.getAsJsonObject().entrySet()) {
                List<AnomalyWindow> windows = new ArrayList<>();
                if (!e.getValue().isJsonArray()) {
                    throw new IngestException(file + ": " + e.getKey() + ": expected a list of windows");
                }
                for (JsonElement w : e.getValue().getAsJsonArray()) {
                    JsonArray pair = w.isJsonArray() ? w.getAsJsonArray() : null;
                    if (pair == null || pair.size() != 2) {
                        throw new IngestException(file + ": " + e.getKey() + ": expected [start, end], got " + w);
                    }
                    windows.add(new AnomalyWindow(time(pair.get(0).getAsString(), file + ": " + e.getKey()),
                            time(pair.get(1).getAsString(), file + ": " + e.getKey())));
                }
                out.put(e.getKey().replace('\\', '/'), List.copyOf(windows));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IngestException ie) {
                throw ie;
            }
            throw new IngestException(file + ": cannot read the anomaly windows: " + e.getMessage());
        }
        return out;
    }

    /** The timestamps of a data file ({@code timestamp,value}), in file order. */
    public static List<LocalDateTime> timestamps(Path csv) {
        return read(csv, null, null).timestamps();
    }

    /** A data file ({@code category/name.csv} under {@code dataDir}) with its values, which must be finite numbers. */
    public static NabSeries series(Path dataDir, String file) {
        NabSeries s = read(dataDir.resolve(file), "value", NabCorpus::value);
        return new NabSeries(file, s.timestamps(), s.values());
    }

    /** A detector's results for {@code file} ({@code category/name.csv}) under {@code resultsDir}. */
    public static ScoredSeries results(Path resultsDir, String detector, String file) {
        Path csv = resultsFile(resultsDir, detector, file);
        if (!Files.isRegularFile(csv)) {
            throw new IngestException(csv + ": expected the detector's results for " + file + ", got no file");
        }
        NabSeries s = read(csv, "anomaly_score", NabCorpus::score);
        return new ScoredSeries(file, s.timestamps(), s.values());
    }

    /** The path of a results file, for writers. */
    public static Path resultsFile(Path resultsDir, String detector, String file) {
        int slash = file.lastIndexOf('/');
        return resultsDir.resolve(file.substring(0, slash + 1) + detector + "_" + file.substring(slash + 1));
    }

    /** Parses a NAB timestamp; {@code where} names the place for the error. */
    public static LocalDateTime time(String text, String where) {
        try {
            return LocalDateTime.parse(text.trim(), TIME);
        } catch (DateTimeParseException e) {
            throw new IngestException(where + ": expected a timestamp like 2014-04-01 00:00:00, got "
                    + Cells.show(text));
        }
    }

    /** Parses one cell; {@code where} names file, row and column for the error. */
    @FunctionalInterface
    private interface Cell {
        double parse(String text, String where);
    }

    /** The timestamps of {@code csv} and, when {@code column} is given, that column parsed by {@code cell}. */
    private static NabSeries read(Path csv, String column, Cell cell) {
        try (CsvReader in = CsvReader.open(csv)) {
            String[] header = in.header();
            int t = column(header, "timestamp", csv);
            int c = column == null ? -1 : column(header, column, csv);
            List<LocalDateTime> times = new ArrayList<>();
            double[] values = new double[1024];
            String[] row;
            while ((row = in.next()) != null) {
                String where = csv + ": row " + in.line();
                if (row.length != header.length) {
                    throw new IngestException(where + ": expected " + header.length + " fields, got " + row.length);
                }
                LocalDateTime time = time(row[t], where + ", column timestamp");
                if (c >= 0) {
                    if (times.size() == values.length) {
                        values = Arrays.copyOf(values, 2 * values.length);
                    }
                    values[times.size()] = cell.parse(row[c], where + ", column " + column);
                }
                times.add(time);
            }
            return new NabSeries(csv.toString(), times, Arrays.copyOf(values, times.size()));
        } catch (IOException e) {
            throw new IngestException(csv + ": cannot read: " + e.getMessage());
        }
    }

    private static int column(String[] header, String name, Path csv) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(name)) {
                return i;
            }
        }
        throw new IngestException(csv + ": expected a column '" + name + "', got " + String.join(",", header));
    }

    private static double value(String text, String where) {
        String t = text.trim();
        double v = Cells.isDecimal(t) ? Double.parseDouble(t) : Double.NaN;
        if (!Double.isFinite(v)) {
            throw new IngestException(where + ": expected a finite number, got " + Cells.show(text));
        }
        return v;
    }

    private static double score(String text, String where) {
        double v;
        try {
            v = Cells.isDecimal(text.trim()) ? Double.parseDouble(text.trim()) : Double.NaN;
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= 0 && v <= 1)) {
            throw new IngestException(where + ": expected an anomaly score in [0, 1], got " + Cells.show(text));
        }
        return v;
    }
}
