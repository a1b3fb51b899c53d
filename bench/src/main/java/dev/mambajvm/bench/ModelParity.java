package dev.mambajvm.bench;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.ModelState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The model tests' parity check, runnable where there is no Maven (the GPU machine): a checkpoint
 * folder with a {@code golden.json} from transformers (input_ids, logits_float64 computed in
 * float64, greedy_prompt and greedy_continuation), run on each given device. Prints the relative
 * error of all logits per row and whether greedy decoding reproduces the continuation; exits 1 on
 * any mismatch (bound 1e-4, as in the model issue).
 *
 * <p>Usage: {@code ModelParity DIR device...}, e.g.
 * {@code ModelParity model/src/test/resources/fixtures/hf/mamba1-tiny cuda:0 opencl}.
 */
public final class ModelParity {
    private static final double BOUND = 1e-4;

    private ModelParity() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Map<String, Object> golden = JsonFiles.readObject("golden.json", Files.readAllBytes(dir.resolve("golden.json")));
        List<?> idRows = (List<?>) golden.get("input_ids");
        int[][] ids = new int[idRows.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ints((List<?>) idRows.get(i));
        }
        List<?> logits = (List<?>) golden.get("logits_float64");
        int[] prompt = ints((List<?>) golden.get("greedy_prompt"));
        int[] continuation = ints((List<?>) golden.get("greedy_continuation"));
        boolean ok = true;
        System.out.println("== " + dir.getFileName());
        for (int a = 1; a < args.length; a++) {
            try (Device device = Devices.open(args[a]); MambaModel model = MambaModel.load(device, dir);
                 ModelState state = model.newState(ids.length)) {
                float[][][] out = model.forward(state, 0, ids);
                for (int b = 0; b < ids.length; b++) {
                    double diff = 0;
                    double norm = 0;
                    List<?> seq = (List<?>) logits.get(b);
                    for (int t = 0; t < seq.size(); t++) {
                        List<?> row = (List<?>) seq.get(t);
                        for (int v = 0; v < row.size(); v++) {
                            double ref = ((Number) row.get(v)).doubleValue();
                            diff += (out[b][t][v] - ref) * (out[b][t][v] - ref);
                            norm += ref * ref;
                        }
                    }
                    double rel = Math.sqrt(diff / norm);
                    ok &= rel <= BOUND;
                    System.out.printf(Locale.ROOT, "%s %s row %d (%d tokens): logits rel.err %.2e (bound %.0e) %s%n",
                            device.id(), device.name(), b, ids[b].length, rel, BOUND, rel <= BOUND ? "PASS" : "FAIL");
                }
                int[] generated = model.generateGreedy(prompt, continuation.length);
                boolean same = Arrays.equals(generated, continuation);
                ok &= same;
                System.out.printf(Locale.ROOT, "%s greedy continuation of %d tokens: %s%n", device.id(), continuation.length,
                        same ? "identical PASS" : "DIFFERENT FAIL " + Arrays.toString(generated));
            }
        }
        System.exit(ok ? 0 : 1);
    }

    private static int[] ints(List<?> list) {
        return list.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }
}
