package io.flowguard.ingest.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.flowguard.ingest.IngestException;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RFC 4180 records, header checks, gzip by content and the byte-order mark. */
class CsvReaderTest {

    @TempDir
    Path dir;

    private static CsvReader reader(String text) {
        return new CsvReader(new BufferedReader(new StringReader(text)), "t.csv");
    }

    @Test
    void quotedFieldsMayHoldCommasAndDoubledQuotesAndLinesMayEndInCrLf() throws IOException {
        try (CsvReader csv = reader("id,\"name, full\",x\r\n1,\"say \"\"hi\"\"\", 2.5 \r\n\r\n2, \"a,b\" ,\"\"\r\n")) {
            assertArrayEquals(new String[] {"id", "name, full", "x"}, csv.header());
            assertArrayEquals(new String[] {"1", "say \"hi\"", " 2.5 "}, csv.next());
            assertEquals(2, csv.line());
            assertArrayEquals(new String[] {"2", "a,b", ""}, csv.next());
            assertEquals(4, csv.line(), "the blank line is skipped but counted");
            assertNull(csv.next());
        }
    }

    @Test
    void aWrittenFieldReadsBackAsItWas() throws IOException {
        String[] fields = {"plain", "a,b", "say \"hi\"", " padded ", "", "1.5"};
        StringBuilder line = new StringBuilder();
        for (String f : fields) {
            line.append(line.length() == 0 ? "" : ",").append(Cells.csvField(f));
        }
        assertEquals("plain,\"a,b\",\"say \"\"hi\"\"\",\" padded \",,1.5", line.toString());
        try (CsvReader csv = reader(line + "\n")) {
            assertArrayEquals(fields, csv.next());
        }
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsKeptAsText() throws IOException {
        try (CsvReader csv = reader("a,b\n5\" pipe,1\n")) {
            csv.header();
            assertArrayEquals(new String[] {"5\" pipe", "1"}, csv.next());
        }
    }

    @Test
    void malformedQuotingNamesTheLineAndColumn() throws IOException {
        try (CsvReader csv = reader("a,b\n1,\"two\nlines\"\n")) {
            csv.header();
            assertEquals("t.csv: line 2, column 2: expected a closing quote on the same line, got the end of the line"
                    + " (quoted line breaks are not supported)",
                    assertThrows(IngestException.class, csv::next).getMessage());
        }
        try (CsvReader csv = reader("a,b\n\"1\"x,2\n")) {
            csv.header();
            assertEquals("t.csv: line 2, column 1: expected a comma or the end of the line after the closing quote,"
                    + " got 'x,2'", assertThrows(IngestException.class, csv::next).getMessage());
        }
    }

    @Test
    void theHeaderNeedsUniqueNonEmptyNames() throws IOException {
        try (CsvReader csv = reader("a,b,a\n")) {
            assertEquals("t.csv: header, column 3 'a': expected unique column names, got the name of column 1 again",
                    assertThrows(IngestException.class, csv::header).getMessage());
        }
        try (CsvReader csv = reader("a, ,b\n")) {
            assertEquals("t.csv: header, column 2: expected a column name, got an empty one",
                    assertThrows(IngestException.class, csv::header).getMessage());
        }
        try (CsvReader csv = reader("")) {
            assertEquals("t.csv: expected a header row, got an empty file",
                    assertThrows(IngestException.class, csv::header).getMessage());
        }
    }

    @Test
    void gzipIsToldByContentAndTheByteOrderMarkIsDropped() throws IOException {
        byte[] text = "\uFEFFa,b\n1,2\n".getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
            gz.write(text);
        }
        for (Path file : new Path[] {Files.write(dir.resolve("plain.csv"), text),
            Files.write(dir.resolve("zipped-without-suffix.csv"), zipped.toByteArray()),
            Files.write(dir.resolve("plain-with-suffix.csv.gz"), text)}) {
            try (CsvReader csv = CsvReader.open(file)) {
                assertArrayEquals(new String[] {"a", "b"}, csv.header(), file.toString());
                assertArrayEquals(new String[] {"1", "2"}, csv.next(), file.toString());
            }
        }
    }
}
