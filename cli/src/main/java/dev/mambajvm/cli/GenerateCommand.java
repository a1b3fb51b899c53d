package dev.mambajvm.cli;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.model.Generator;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.Sampler;
import dev.mambajvm.model.config.EosTokens;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.hub.ModelResolver;
import dev.mambajvm.model.tokenizer.StreamingDecoder;
import dev.mambajvm.model.tokenizer.Tokenizer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.nio.file.Path;

/** {@code mamba-cli generate}: continues a prompt, streaming the new tokens as they come. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Continues a prompt and prints the continuation as it is produced: text when",
                "the model has a tokenizer.json, else token ids separated by spaces. Stops after",
                "--max-tokens tokens or at the end-of-sequence token (eos_token_id of",
                "generation_config.json, else config.json; kept in token_ids, not printed as",
                "text). Temperature 0 is greedy (argmax); T > 0 samples from",
                "softmax(logits / T) with a seeded random source: the same --seed gives the",
                "same tokens on the same backend. On stderr: load time, time to first token,",
                "prefill and decode tokens per second (and the seed when sampling).",
                "--model is a checkpoint folder or a Hugging Face repo id: a repo is taken from",
                "the Hugging Face cache when there, else downloaded into it (progress on stderr).",
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli generate --model ./mamba-130m --prompt 'The capital of France'",
                "      --max-tokens 20 --temperature 0",
                "  mamba-cli generate --model state-spaces/mamba-130m-hf --prompt 'Hello'",
                "      --max-tokens 20 --temperature 0    (a Hugging Face repo: downloaded once)",
                "  mamba-cli generate --model ./mamba-130m --prompt 'Once upon a time'",
                "      --max-tokens 100 --temperature 0.8 --seed 7",
                "  echo 'Hello' | mamba-cli generate --model ./mamba-130m --prompt -",
                "      --max-tokens 30 --temperature 0 --device cuda:0 --verbose",
                "  mamba-cli generate --model ./tiny --prompt-ids 331,155,390 --max-tokens 5",
                "      --temperature 0 --json",
                "    {\"token_ids\":[...],\"finish_reason\":\"length\",\"timings\":{...}}",
                "    (\"text\" too with a tokenizer.json, \"seed\" when sampling)",
        })
public final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOption modelOption;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Prompt prompt;

    static final class Prompt {
        @Option(names = "--prompt-ids", paramLabel = "IDS", description = "The prompt as comma-separated token ids.")
        String ids;

        @Option(names = "--prompt", paramLabel = "TEXT",
                description = "The prompt as text (needs the model's tokenizer.json); '-' reads it from stdin, as is (a trailing newline stays).")
        String text;
    }

    @Option(names = "--max-tokens", required = true, paramLabel = "N", description = "Most tokens to generate (at least 1).")
    int maxTokens;

    @Option(names = "--temperature", required = true, paramLabel = "T",
            description = "0 = greedy; T > 0 samples from softmax(logits / T); at most " + (int) Sampler.MAX_TEMPERATURE + ".")
    double temperature;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sampler (default: a fresh one, printed on stderr). Ignored when greedy.")
    Long seed;

    @Option(names = "--json", description = "Print one JSON object {\"token_ids\":[...],\"text\":\"...\",\"timings\":{...}}"
            + " at the end instead of streaming (\"text\" only with a tokenizer).")
    boolean json;

    @Mixin
    ModelRunOptions run;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Where {@code --prompt -} reads from (tests replace it). */
    InputStream stdin = System.in;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        if (maxTokens < 1) {
            throw new ParameterException(cl, "--max-tokens must be at least 1, got " + maxTokens);
        }
        if (!(temperature >= 0 && temperature <= Sampler.MAX_TEMPERATURE)) {
            throw new ParameterException(cl, "--temperature must be between 0 (greedy) and "
                    + (int) Sampler.MAX_TEMPERATURE + ", got " + temperature);
        }
        Path model = modelOption.resolve(cl, ModelResolver.Need.CHECKPOINT);
        MambaConfig config = ModelArgs.config(cl, model);
        int vocab = config.paddedVocabSize();
        Tokenizer tokenizer = null;
        int[] ids;
        if (prompt.ids != null) {
            ids = ModelArgs.parseIds(cl, "--prompt-ids", prompt.ids, vocab);
        } else {
            String text = prompt.text.equals("-") ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8) : prompt.text;
            if (text.isEmpty()) {
                throw new ParameterException(cl, "--prompt is empty" + (prompt.text.equals("-") ? " (nothing on stdin)" : "")
                        + ": give the text to continue");
            }
            tokenizer = ModelArgs.tokenizer(cl, model, "--prompt");
            ids = tokenizer.encode(text);
            if (ids.length == 0) {
                throw new ParameterException(cl, "--prompt encodes to no tokens: give the text to continue");
            }
            ModelArgs.checkEncoded(cl, "--prompt", ids, vocab);
        }
        if (tokenizer == null && ModelArgs.hasTokenizer(model)) {
            tokenizer = Tokenizer.load(model);
        }
        Sampler sampler;
        if (temperature == 0) {
            sampler = Sampler.greedy();
        } else {
            sampler = Sampler.temperature(temperature, seed != null ? seed : ThreadLocalRandom.current().nextLong());
        }
        Set<Integer> eos = EosTokens.read(model);

        Generator.Result r;
        long loadNanos;
        StringBuilder text = new StringBuilder();
        try (Device d = Devices.open(run.device)) {
            long t0 = System.nanoTime();
            try (MambaModel m = MambaModel.load(d, model)) {
                loadNanos = System.nanoTime() - t0;
                run.reportLoaded(err, d, m);
                StreamingDecoder decoder = tokenizer == null ? null : tokenizer.streamingDecoder(true);
                boolean[] first = {true};
                r = Generator.generate(m, ids, maxTokens, sampler, eos, id -> {
                    String piece = decoder != null ? decoder.accept(id) : (first[0] ? "" : " ") + id;
                    first[0] = false;
                    text.append(piece);
                    if (!json && !piece.isEmpty()) {
                        out.print(piece);
                        out.flush();
                    }
                });
                if (decoder != null) {
                    String rest = decoder.flush();
                    text.append(rest);
                    if (!json) {
                        out.print(rest);
                    }
                }
                if (!json) {
                    out.println();
                    out.flush();
                }
                run.reportFinished(err, d);
            }
        }
        err.println(timings(r, loadNanos, d(sampler)));
        err.flush();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("token_ids", Arrays.stream(r.tokens()).boxed().toList());
            if (tokenizer != null) {
                o.put("text", text.toString());
            }
            o.put("finish_reason", r.stoppedAtEos() ? "eos" : "length");
            if (!sampler.isGreedy()) {
                o.put("seed", sampler.seed());
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("load_s", loadNanos / 1e9);
            t.put("time_to_first_token_s", r.prefillNanos() / 1e9);
            t.put("prefill_tokens", r.promptTokens());
            t.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
            t.put("decode_tokens", r.decodeSteps());
            t.put("decode_tokens_per_s", r.decodeSteps() == 0 ? null : r.decodeTokensPerSecond());
            o.put("timings", t);
            out.println(Json.write(o));
            out.flush();
        }
        return 0;
    }

    private static String d(Sampler s) {
        return s.isGreedy() ? "greedy" : "temperature " + s.temperatureValue() + ", seed " + s.seed();
    }

    /** The stderr summary: "load 0.21 s, first token 41.0 ms, prefill 37 tokens at 902 tok/s, ...". */
    static String timings(Generator.Result r, long loadNanos, String sampling) {
        String decode = r.decodeSteps() == 0 ? "decode: no steps"
                : String.format(Locale.ROOT, "decode %d tokens at %.1f tok/s", r.decodeSteps(), r.decodeTokensPerSecond());
        return String.format(Locale.ROOT, "load %s, first token %s, prefill %d tokens at %.1f tok/s, %s, %s%s",
                ModelArgs.seconds(loadNanos), ModelArgs.seconds(r.prefillNanos()), r.promptTokens(),
                r.prefillTokensPerSecond(), decode, sampling, r.stoppedAtEos() ? ", stopped at end-of-sequence" : "");
    }
}
