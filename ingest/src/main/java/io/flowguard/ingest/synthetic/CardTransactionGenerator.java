package io.flowguard.ingest.synthetic;

import io.flowguard.schemas.Event;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded card transactions with per-card habits and labelled anomalies. Each card has a typical amount
 * (log-normal around its own median), three usual merchant categories and an active part of the day; events
 * arrive in time order across cards. Features: {@code log_amount}, {@code hour_sin}, {@code hour_cos},
 * {@code merchant_category} (0..9, discrete), {@code log_seconds_since_last} (for the card) and
 * {@code amount_vs_card_median} (log ratio). Ground truth is in {@code context["injected"]}:
 * <ul>
 *   <li>SPIKE: an amount 20 to 60 times the card's median at an unusual merchant category;</li>
 *   <li>OUT_OF_RANGE: a refund-sized negative-looking amount of one cent at 3 a.m. after a one-second gap;</li>
 *   <li>TOO_REGULAR: a bot takes over a card for {@value #BOT_TRANSACTIONS} transactions: each at the card's exact
 *       median amount, at its most usual category, at the centre of its active hours, after exactly the typical
 *       gap. Every feature sits at the card's mode, so the density is high; only a typicality test can tell it
 *       from real behaviour (the high-density paradox);</li>
 *   <li>DRIFT: a card whose amounts grow 1 % per transaction from some point on (slow drift).</li>
 * </ul>
 */
public final class CardTransactionGenerator {

    /** What produced a transaction. */
    public enum Kind { NORMAL, SPIKE, OUT_OF_RANGE, TOO_REGULAR, DRIFT }

    private static final double TYPICAL_GAP_SECONDS = 6 * 3600;
    /** A bot episode lasts this many transactions of its card. */
    static final int BOT_TRANSACTIONS = 60;

    private final SplittableRandom random;
    private final double anomalyRate;
    private final double[] logMedian;
    private final int[][] categories;
    private final double[] activeHour;
    private final long[] lastSeconds;
    private final int[] drifting;
    private final int[] bot;
    private final String prefix;
    private long clockSeconds = 1_700_000_000L;
    private long next;

    public CardTransactionGenerator(int cards, long seed, double anomalyRate, String prefix) {
        this.random = new SplittableRandom(seed);
        this.anomalyRate = anomalyRate;
        this.logMedian = new double[cards];
        this.categories = new int[cards][3];
        this.activeHour = new double[cards];
        this.lastSeconds = new long[cards];
        this.drifting = new int[cards];
        this.bot = new int[cards];
        for (int c = 0; c < cards; c++) {
            logMedian[c] = Math.log(15) + 0.8 * random.nextGaussian();
            for (int k = 0; k < 3; k++) {
                categories[c][k] = random.nextInt(10);
            }
            activeHour[c] = 9 + 10 * random.nextDouble();
            lastSeconds[c] = clockSeconds - (long) (TYPICAL_GAP_SECONDS * random.nextDouble());
        }
        this.prefix = prefix;
    }

    public Event next() {
        int card = random.nextInt(logMedian.length);
        clockSeconds += 1 + random.nextInt(3);
        Kind kind = Kind.NORMAL;
        if (bot[card] > 0 || random.nextDouble() < anomalyRate / (2 * BOT_TRANSACTIONS)) {
            kind = Kind.TOO_REGULAR;
            if (++bot[card] == BOT_TRANSACTIONS) {
                bot[card] = 0;
            }
        } else if (random.nextDouble() < anomalyRate) {
            kind = Kind.values()[1 + random.nextInt(2)];
        } else if (drifting[card] > 0 || random.nextDouble() < anomalyRate / 20) {
            kind = Kind.DRIFT;
        }
        double gap = Math.max(1, TYPICAL_GAP_SECONDS * Math.exp(0.7 * random.nextGaussian()));
        double hour = activeHour[card] + 2.5 * random.nextGaussian();
        double logAmount = logMedian[card] + 0.5 * random.nextGaussian();
        int category = categories[card][random.nextInt(3)];
        switch (kind) {
            case SPIKE -> {
                logAmount = logMedian[card] + Math.log(20 + 40 * random.nextDouble());
                category = (categories[card][0] + 5) % 10;
            }
            case OUT_OF_RANGE -> {
                logAmount = Math.log(0.01);
                hour = 3;
                gap = 1;
            }
            case TOO_REGULAR -> {
                logAmount = logMedian[card];
                category = categories[card][0];
                hour = activeHour[card];
                gap = TYPICAL_GAP_SECONDS;
            }
            case DRIFT -> logAmount += 0.01 * ++drifting[card];
            default -> { }
        }
        lastSeconds[card] = clockSeconds;
        double angle = 2 * Math.PI * (((hour % 24) + 24) % 24) / 24;
        Map<String, Double> f = new HashMap<>(12);
        f.put("log_amount", logAmount);
        f.put("hour_sin", Math.sin(angle));
        f.put("hour_cos", Math.cos(angle));
        f.put("merchant_category", (double) category);
        f.put("log_seconds_since_last", Math.log(gap));
        f.put("amount_vs_card_median", logAmount - logMedian[card]);
        return Event.newBuilder().setEventId(prefix + (next++)).setKey("card-" + card).setSource("cards")
                .setEventTime(Instant.ofEpochSecond(clockSeconds)).setFeatures(f)
                .setContext(Map.of("injected", kind.name())).build();
    }
}
