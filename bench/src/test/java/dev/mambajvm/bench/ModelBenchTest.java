package dev.mambajvm.bench;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.mambajvm.bench.BenchJson.number;
import static dev.mambajvm.bench.BenchJson.objects;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ModelBench end to end on the JVM backend with the tiny fixture's shapes: the JSON it writes reads
 * back under the schema, its figures agree with each other and with the roofline arithmetic, and
 * BenchPlots turns it into PNGs and a report. (Times are only checked to be positive.)
 */
class ModelBenchTest {
    private static final Path TINY = Path.of("../model/src/test/resources/fixtures/hf/mamba1-tiny/config.json");

    @TempDir
    static Path dir;
    private static Map<String, Object> run;

    @BeforeAll
    static void runBench() {
        int exit = ModelBench.commandLine().execute("--device", "jvm", "--models", TINY.toString(),
                "--batches", "1,2", "--lengths", "8", "--budget", "40", "--copy-mib", "8", "--label", "test run",
                "--out", dir.toString());
        assertEquals(0, exit);
        run = BenchJson.read(dir.resolve("models-test-run.json"));
    }

    @Test
    void figuresAreConsistentWithTheRoofline() {
        double copy = number(run, "copyGBs") * 1e9;
        double flopsPerSecond = number(run, "computeTflops") * 1e12;
        assertTrue(copy > 0 && flopsPerSecond > 0);
        Map<String, Object> model = objects(run, "models").getFirst();
        assertEquals("mamba1-tiny", model.get("name"));
        long weights = (long) number(model, "weightBytes");
        long state = (long) number(model, "stateBytesPerSequence");
        // 2 layers of conv (dInner 128 x (K-1) 3) + SSM (128 x 16) float32 state.
        assertEquals(2 * 4 * 128 * (3 + 16), state);
        List<Map<String, Object>> decode = objects(model, "decode");
        assertEquals(2, decode.size());
        for (Map<String, Object> d : decode) {
            int batch = (int) number(d, "batch");
            double ms = number(d, "msPerStep");
            assertTrue(ms > 0, d.toString());
            assertEquals(weights + 2L * batch * state, (long) number(d, "minBytes"));
            double roof = Roofline.millis(number(d, "minBytes"), number(d, "flops"), copy, flopsPerSecond);
            assertEquals(roof, number(d, "rooflineMs"), roof * 1e-9);
            assertEquals(roof / ms, number(d, "ofRoofline"), 1e-9);
            assertEquals(batch * 1e3 / ms, number(d, "tokensPerSecond"), 1e-6);
            assertTrue(number(d, "peakBytes") >= weights + batch * state, d.toString());
        }
        Map<String, Object> p = objects(model, "prefill").getFirst();
        assertEquals(8, (int) number(p, "length"));
        assertTrue(number(p, "ms") > 0, p.toString());
        assertEquals(weights + state, (long) number(p, "minBytes"));
        @SuppressWarnings("unchecked")
        Map<String, Object> profile = (Map<String, Object>) model.get("decodeProfile");
        assertNotNull(profile);
        List<Map<String, Object>> kernels = objects(profile, "kernels");
        assertTrue(kernels.stream().anyMatch(k -> "MatVec.matvec".equals(k.get("name"))), kernels.toString());
        double sum = kernels.stream().mapToDouble(k -> number(k, "ms")).sum();
        assertEquals(number(profile, "sumMs"), sum, 1e-9);
        assertEquals(1.0, kernels.stream().mapToDouble(k -> number(k, "share")).sum(), 1e-9);
    }

    @Test
    void plotsAndReportFromTheJson() throws Exception {
        Path plots = dir.resolve("plots");
        assertEquals(0, new CommandLine(new BenchPlots()).execute("--out", plots.toString(), dir.toString()));
        for (String png : List.of("decode-batch1.png", "decode-batch2.png", "prefill-mamba1-tiny.png", "memory-mamba1-tiny.png")) {
            BufferedImage image = ImageIO.read(plots.resolve(png).toFile());
            assertNotNull(image, png);
            assertEquals(1000, image.getWidth(), png);
        }
        String report = Files.readString(plots.resolve("report.md"));
        assertTrue(report.contains("| mamba1-tiny | 1 | "), report);
        assertTrue(report.contains("| model | tokens | test run |"), report);
    }

    @Test
    void badInputIsOneLine() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cl = ModelBench.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertEquals(2, cl.execute("--device", "jvm", "--models", "mamba-7b"));
        assertEquals("ModelBench: --models: unknown model \"mamba-7b\" (expected one of mamba-130m, mamba-370m, mamba-790m,"
                + " mamba-1.4b, mamba-2.8b, mamba2-130m, mamba2-2.7b)", err.toString().strip());
        Path wrong = Files.createDirectories(dir.resolve("bad")).resolve("wrong.json");
        Files.writeString(wrong, "{\"schema\": \"other\", \"models\": []}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchJson.read(wrong));
        assertTrue(e.getMessage().startsWith(wrong + ": \"schema\" is other"), e.getMessage());
    }
}
