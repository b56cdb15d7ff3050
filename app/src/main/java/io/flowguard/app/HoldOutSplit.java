package io.flowguard.app;

import io.flowguard.model.data.Matrix;
import java.util.Arrays;

/**
 * One seed's split of the ADBench protocol ({@code shared/data/adbench/README.md}): the rows shuffled with the seed,
 * the first {@code trainFraction} to fit on without labels, the rest to score against their labels.
 *
 * @param train rows to fit on (labels never used)
 * @param test rows to score
 * @param testLabels the 0/1 label of each test row
 */
record HoldOutSplit(Matrix train, Matrix test, int[] testLabels) {

    static HoldOutSplit of(CsvTable table, long seed, double trainFraction) {
        Matrix all = table.features();
        int[] perm = Matrix.permutation(all.rows(), seed);
        int cut = (int) Math.round(all.rows() * trainFraction);
        int[] testIdx = Arrays.copyOfRange(perm, cut, perm.length);
        int[] labels = new int[testIdx.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = table.labels()[testIdx[i]];
        }
        return new HoldOutSplit(all.selectRows(Arrays.copyOfRange(perm, 0, cut)), all.selectRows(testIdx), labels);
    }
}
