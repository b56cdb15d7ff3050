package io.flowguard.ingest.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CellsTest {

    @Test
    void onlyPlainDecimalAndScientificNotationAreNumbers() {
        for (String s : new String[] {"0", "-1", "+2", "3.", ".5", "-0.25", "1e3", "1E-3", "+6.02e+23", "007"}) {
            assertTrue(Cells.isDecimal(s), s);
        }
        for (String s : new String[] {"", "-", ".", "e3", "1e", "1e+", "0x1p3", "0X10", "8d", "1.5f", "2F", "1D",
            "NaN", "Infinity", "1_000", "1,5", " 1", "1 ", "--1", "1.2.3", "١٢"}) {
            assertFalse(Cells.isDecimal(s), s);
        }
    }

    @Test
    void nonFiniteWordsAreRecognisedInAnyCaseWithASign() {
        for (String s : new String[] {"nan", "NaN", "-nan", "inf", "+Inf", "-INF", "Infinity", "-infinity"}) {
            assertTrue(Cells.isNonFiniteWord(s), s);
        }
        for (String s : new String[] {"infinit", "nana", "1", "", "+"}) {
            assertFalse(Cells.isNonFiniteWord(s), s);
        }
    }

    @Test
    void aShownCellIsShortAndPrintable() {
        assertEquals("'abc'", Cells.show("abc"));
        assertEquals("'a\\tb\\n\\u0000\\ufffd'", Cells.show("a\tb\n\u0000\uFFFD"));
        String shown = Cells.show("x".repeat(1000));
        assertEquals("'" + "x".repeat(Cells.SHOWN) + "...'", shown);
    }
}
