package io.flowguard.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The row of a dataset in ADBench's PEERS.md table, for printing beside our own results. */
final class Peers {

    private Peers() {}

    /**
     * The peers' cells of {@code dataset} ("magic_gamma" matches the table's "magic.gamma") as "RCF 0.738, Smile IF
     * 0.739, ..." (AUROC only), or null when the file or the row is missing.
     */
    static String line(Path peersFile, String dataset) {
        if (peersFile == null || !Files.isRegularFile(peersFile)) {
            return null;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(peersFile);
        } catch (IOException e) {
            return null;
        }
        String[] header = null;
        String wanted = dataset.replace('_', '.');
        for (String line : lines) {
            if (!line.startsWith("|")) {
                continue;
            }
            String[] cells = line.substring(1).split("\\|");
            if (header == null) {
                header = cells;
                continue;
            }
            if (!cells[0].trim().equals(wanted)) {
                continue;
            }
            StringBuilder out = new StringBuilder();
            for (int c = 1; c < Math.min(cells.length, header.length); c++) {
                String name = header[c].trim().replaceFirst(" AUROC.*", "");
                String auroc = cells[c].trim().split(" ")[0];
                out.append(out.length() == 0 ? "" : ", ").append(name).append(' ').append(auroc);
            }
            return out.toString();
        }
        return null;
    }
}
