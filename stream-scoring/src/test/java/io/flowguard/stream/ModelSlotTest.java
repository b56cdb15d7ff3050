package io.flowguard.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.flowguard.model.FlowGuardException;
import io.flowguard.model.data.Matrix;
import io.flowguard.model.flow.FeatureSchema;
import io.flowguard.model.flow.Flow;
import io.flowguard.model.flow.FlowFactory;
import io.flowguard.model.flow.FlowKind;
import io.flowguard.model.flow.FlowSpec;
import io.flowguard.model.flow.PreprocessingOptions;
import io.flowguard.model.score.Scorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reference counting of the served model. The slot never calls into a scorer, so these tests share one small
 * untrained flow among scorers and tell models apart by identity; each has a fake owner that records when (and how often) it is closed.
 */
class ModelSlotTest {

    /** Stands for the loaded checkpoint that owns a model's native memory. */
    private static final class Owner implements AutoCloseable {
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public void close() {
            closes.incrementAndGet();
            closed.set(true);
        }
    }

    private static NDManager manager;
    private static Flow flow;

    @BeforeAll
    static void flow() {
        manager = NDManager.newBaseManager();
        Matrix data = new Matrix(4, 2, new float[] {0, 1, 1, 0, 2, 3, 3, 2});
        flow = FlowFactory.create(FlowSpec.builder().setKind(FlowKind.MAF).optLayers(1).optHiddenFeatures(4)
                .optSeed(1).build(), FeatureSchema.fit(data, new String[] {"a", "b"}, PreprocessingOptions.defaults()),
                manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static Scorer model(String version) {
        return new Scorer(flow, null, version);
    }

    @Test
    void aLeaseKeepsTheReplacedModelOpenUntilItIsClosed() {
        Scorer first = model("v1");
        Owner firstOwner = new Owner();
        ModelSlot slot = new ModelSlot(first, firstOwner);
        assertEquals(1, slot.liveModels());
        ModelSlot.Lease lease = slot.acquire();
        assertSame(first, lease.scorer());

        Scorer second = model("v2");
        Owner secondOwner = new Owner();
        assertSame(first, slot.swap(second, secondOwner));
        assertFalse(firstOwner.closed.get(), "the replaced model was freed under a running batch");
        assertEquals(2, slot.liveModels());
        assertSame(second, slot.current());
        assertSame(first, lease.scorer(), "a lease keeps scoring with the model it took");
        try (ModelSlot.Lease next = slot.acquire()) {
            assertSame(second, next.scorer());
        }

        lease.close();
        assertTrue(firstOwner.closed.get());
        assertEquals(1, slot.liveModels());
        lease.close(); // a second close is a no-op
        assertEquals(1, firstOwner.closes.get());
        assertFalse(secondOwner.closed.get());

        slot.close();
        assertEquals(1, secondOwner.closes.get());
        assertEquals(0, slot.liveModels());
    }

    @Test
    void withoutLeasesASwapFreesTheOldModelAtOnce() {
        Owner firstOwner = new Owner();
        ModelSlot slot = new ModelSlot(model("v1"), firstOwner);
        slot.swap(model("v2"), null); // null: the caller keeps ownership
        assertEquals(1, firstOwner.closes.get());
        assertEquals(1, slot.liveModels());
        slot.close();
        assertEquals(0, slot.liveModels());
    }

    @Test
    @Timeout(10) // acquire on a closed slot used to spin forever
    void aClosedSlotRefusesLeasesAndClosesOnce() {
        Owner owner = new Owner();
        ModelSlot slot = new ModelSlot(model("v1"), owner);
        slot.close();
        slot.close();
        assertEquals(1, owner.closes.get());
        assertEquals(0, slot.liveModels());
        FlowGuardException e = assertThrows(FlowGuardException.class, slot::acquire);
        assertEquals("expected an open model slot, got a closed one", e.getMessage());
    }

    @Test
    @Timeout(120)
    void concurrentLeasesAndSwapsNeverSeeAClosedModel() throws Exception {
        Map<Scorer, Owner> owners = new ConcurrentHashMap<>();
        Scorer initial = model("v0");
        owners.put(initial, new Owner());
        ModelSlot slot = new ModelSlot(initial, owners.get(initial));
        int batchThreads = 4;
        int swaps = 2000;
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicInteger closedUnderLease = new AtomicInteger();
        AtomicInteger leases = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(batchThreads + 1);
        try {
            List<Future<?>> batches = new ArrayList<>();
            for (int t = 0; t < batchThreads; t++) {
                batches.add(pool.submit(() -> {
                    start.await();
                    while (swapping.get() || leases.get() < 10_000) {
                        try (ModelSlot.Lease lease = slot.acquire()) {
                            Owner owner = owners.get(lease.scorer());
                            if (owner.closed.get()) {
                                closedUnderLease.incrementAndGet();
                            }
                            Thread.onSpinWait(); // "score" a little while another thread swaps
                            if (owner.closed.get()) {
                                closedUnderLease.incrementAndGet();
                            }
                        }
                        leases.incrementAndGet();
                    }
                    return null;
                }));
            }
            Future<?> swapper = pool.submit(() -> {
                start.await();
                for (int i = 1; i <= swaps; i++) {
                    Scorer next = model("v" + i);
                    owners.put(next, new Owner()); // known before any batch can lease it
                    slot.swap(next, owners.get(next));
                    if (i % 64 == 0) {
                        Thread.yield();
                    }
                }
                swapping.set(false);
                return null;
            });
            start.countDown();
            swapper.get(60, TimeUnit.SECONDS);
            for (Future<?> f : batches) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, closedUnderLease.get(), "leases that saw their model closed");
        assertEquals(1, slot.liveModels());
        Scorer serving = slot.current();
        for (Map.Entry<Scorer, Owner> e : owners.entrySet()) {
            assertEquals(e.getKey() == serving ? 0 : 1, e.getValue().closes.get(), e.getKey().modelVersion());
        }
        slot.close();
        assertEquals(1, owners.get(serving).closes.get());
    }
}
