package dev.mambajvm.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fixture's golden.json (written by tools/make_fixtures.py with transformers): the input ids
 * [batch][L], transformers' float64 logits on them [batch][L][vocab], and a greedy generation.
 */
record Golden(int[][] inputIds, double[][][] logits, int[] greedyPrompt, int[] greedyContinuation) {

    static Golden read(Path fixtureDir) throws IOException {
        Map<String, Object> json = JsonFiles.readObject("golden.json", Files.readAllBytes(fixtureDir.resolve("golden.json")));
        List<?> ids = (List<?>) json.get("input_ids");
        int[][] inputIds = new int[ids.size()][];
        for (int i = 0; i < ids.size(); i++) {
            inputIds[i] = ints((List<?>) ids.get(i));
        }
        List<?> rows = (List<?>) json.get("logits_float64");
        double[][][] logits = new double[rows.size()][][];
        for (int b = 0; b < rows.size(); b++) {
            List<?> seq = (List<?>) rows.get(b);
            logits[b] = new double[seq.size()][];
            for (int t = 0; t < seq.size(); t++) {
                logits[b][t] = ((List<?>) seq.get(t)).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
            }
        }
        return new Golden(inputIds, logits, ints((List<?>) json.get("greedy_prompt")),
                ints((List<?>) json.get("greedy_continuation")));
    }

    private static int[] ints(List<?> list) {
        return list.stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }
}
