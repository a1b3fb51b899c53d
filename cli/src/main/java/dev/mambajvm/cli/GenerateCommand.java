package dev.mambajvm.cli;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.model.Generator;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.Sampler;
import dev.mambajvm.model.StopStrings;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.nio.file.Path;

/** {@code mamba-cli generate}: continues one prompt, streaming, or a batch of prompts decoded together. */
@Command(name = "generate",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Continues a prompt and prints the continuation as it is produced: text when",
                "the model has a tokenizer.json, else token ids separated by spaces. Stops after",
                "--max-tokens tokens, at the end-of-sequence token (eos_token_id of",
                "generation_config.json, else config.json; kept in token_ids, not printed as",
                "text) or at a --stop string (not printed, nor what follows it).",
                "Sampling, in transformers' order: --repetition-penalty over the prompt and",
                "the tokens so far, --temperature (0 = greedy: the argmax), --top-k, --top-p,",
                "--min-p, then a draw from a seeded random source: the same --seed gives the",
                "same tokens on the same backend.",
                "Several prompts (--prompt or --prompt-ids repeated, or --prompt-file with one",
                "prompt per line) are generated as a batch (up to --batch-size together): each",
                "gets what it would get alone (prompt i, from 0, samples with seed S + i), and",
                "each continuation is printed once it is done, in order, after a line",
                "'=== prompt i/N (finish reason) ===' (i from 1). With --json: one JSON object",
                "per prompt, one per line (JSON Lines), in order.",
                "On stderr: load time, time to first token, prefill and decode tokens per",
                "second (and the seed when sampling).",
                "--model is a checkpoint folder or a Hugging Face repo id: a repo is taken from",
                "the Hugging Face cache when there, else downloaded into it (progress on stderr).",
                "Without --model: the embedded default model, shipped inside mamba-cli.jar (a",
                "4.5M-parameter Mamba-1 trained on the King James Bible by",
                "tools/train_default_model.py), so generate works with no download.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli generate --prompt 'In the beginning'",
                "      (the embedded default model: no --model, no download)",
                "  mamba-cli generate --model ./mamba-130m --prompt 'The capital of France'",
                "      --max-tokens 20 --temperature 0",
                "  mamba-cli generate --model state-spaces/mamba-130m-hf --prompt 'Hello'",
                "      --max-tokens 20 --temperature 0    (a Hugging Face repo: downloaded once)",
                "  mamba-cli generate --model ./mamba-130m --prompt 'Once upon a time'",
                "      --max-tokens 100 --temperature 0.8 --top-p 0.9 --repetition-penalty 1.1",
                "      --seed 7",
                "  mamba-cli generate --model ./mamba-130m --prompt 'Q: 2+2?' --max-tokens 50",
                "      --temperature 0 --stop $'\\n' --stop 'Q:'   (ends before a newline or Q:)",
                "  echo 'Hello' | mamba-cli generate --model ./mamba-130m --prompt -",
                "      --max-tokens 30 --temperature 0 --device cuda:0 --verbose",
                "  mamba-cli generate --model ./mamba-130m --prompt-file prompts.txt",
                "      --max-tokens 40 --temperature 0.7 --top-k 40 --seed 1 --json",
                "    (one JSON object per prompt, one per line)",
                "  mamba-cli generate --model ./tiny --prompt-ids 331,155,390 --max-tokens 5",
                "      --temperature 0 --json",
                "    {\"token_ids\":[...],\"finish_reason\":\"length\",\"timings\":{...}}",
                "    (\"text\" too with a tokenizer.json, \"seed\" when sampling; finish_reason",
                "    \"length\", \"eos\" or \"stop\")",
        })
public final class GenerateCommand implements Callable<Integer> {
    /** Most tokens --max-tokens accepts. */
    static final int MAX_NEW_TOKENS = 1_000_000;

    @Mixin
    ModelOption modelOption;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptInput prompt;

    @Option(names = "--max-tokens", defaultValue = "128", paramLabel = "N",
            description = "Most tokens to generate per prompt (1 to " + MAX_NEW_TOKENS + "; default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "32768",
            description = "Most tokens in one prompt; a longer one is refused (default: ${DEFAULT-VALUE}).")
    int maxPromptTokens;

    @Option(names = "--temperature", defaultValue = "0.8", paramLabel = "T",
            description = "0 = greedy; T > 0 samples from softmax(logits / T); at most " + (int) Sampler.MAX_TEMPERATURE
                    + " (default: ${DEFAULT-VALUE}, as llama.cpp's llama-cli).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Keep the K most likely tokens (ties with the K-th too); 0 = all (default).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1",
            description = "Nucleus: keep the fewest most likely tokens whose probability adds up to at least P"
                    + " (0 to 1; 1 = all, default).")
    double topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0",
            description = "Drop the tokens less likely than P times the most likely one (0 to 1; 0 = off, default).")
    double minP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1",
            description = "Divide the positive logits of tokens already in the prompt or output by R and multiply"
                    + " the negative ones (R > 0; 1 = off, default; greedy too).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sampler (default: a fresh one, printed on stderr). Ignored when greedy.")
    Long seed;

    @Option(names = "--stop", paramLabel = "STR",
            description = "Stop when the text contains STR (not printed, nor what follows; needs a tokenizer)."
                    + " Repeatable.")
    List<String> stops = new ArrayList<>();

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Most prompts decoded together; more run in successive batches (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--json", description = "Print one JSON object per prompt, one per line: {\"token_ids\":[...],"
            + "\"text\":\"...\",\"finish_reason\":\"...\",\"timings\":{...}} (\"text\" only with a tokenizer;"
            + " a batch's objects carry its timings), instead of streaming.")
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
        Sampler.Settings settings = settings(cl);
        Path model = modelOption.resolve(cl, ModelResolver.Need.CHECKPOINT);
        MambaConfig config = ModelArgs.config(cl, model);
        List<PromptInput.Prompt> prompts = prompt.read(cl, model, config.paddedVocabSize(), maxPromptTokens, stdin);
        for (String s : stops) {
            if (s.isEmpty()) {
                throw new ParameterException(cl, "--stop is empty: give the text to stop at");
            }
        }
        if (!stops.isEmpty() && !ModelArgs.hasTokenizer(model)) {
            throw new ParameterException(cl, "--stop needs a tokenizer to decode the text: no " + Tokenizer.FILE_NAME
                    + " in " + model);
        }
        Tokenizer tokenizer = ModelArgs.hasTokenizer(model) ? Tokenizer.load(model) : null;
        long baseSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
        Set<Integer> eos = EosTokens.read(model);
        int n = prompts.size();

        Totals totals = new Totals();
        long loadNanos;
        Output output = new Output(out, tokenizer, n);
        try (Device d = Devices.open(run.device)) {
            long t0 = System.nanoTime();
            try (MambaModel m = MambaModel.load(d, model)) {
                loadNanos = System.nanoTime() - t0;
                run.reportLoaded(err, d, m);
                run.reportDecode(err, d, m, Sampler.of(settings, baseSeed).isPlainArgmax());
                for (int from = 0; from < n; from += batchSize) {
                    int to = Math.min(n, from + batchSize);
                    List<int[]> ids = new ArrayList<>();
                    List<Sampler> samplers = new ArrayList<>();
                    for (int i = from; i < to; i++) {
                        ids.add(prompts.get(i).ids());
                        samplers.add(Sampler.of(settings, baseSeed + i));
                    }
                    output.startBatch(from, to);
                    Generator.Result r = Generator.generate(m, ids, maxTokens, samplers, eos, output);
                    totals.add(r);
                    if (json) {
                        for (int i = from; i < to; i++) {
                            out.println(Json.write(output.object(i, r.sequences().get(i - from),
                                    samplers.get(i - from), r, loadNanos)));
                        }
                        out.flush();
                    }
                }
                run.reportFinished(err, d);
            }
        }
        err.println(totals.summary(loadNanos, sampling(settings, baseSeed, n), n));
        err.flush();
        return 0;
    }

    /** The sampling flags, checked. */
    private Sampler.Settings settings(CommandLine cl) {
        if (maxTokens < 1 || maxTokens > MAX_NEW_TOKENS) {
            throw new ParameterException(cl, "--max-tokens must be between 1 and " + MAX_NEW_TOKENS + ", got " + maxTokens);
        }
        if (maxPromptTokens < 1) {
            throw new ParameterException(cl, "--max-prompt-tokens must be at least 1, got " + maxPromptTokens);
        }
        if (batchSize < 1) {
            throw new ParameterException(cl, "--batch-size must be at least 1, got " + batchSize);
        }
        if (!(temperature >= 0 && temperature <= Sampler.MAX_TEMPERATURE)) {
            throw new ParameterException(cl, "--temperature must be between 0 (greedy) and "
                    + (int) Sampler.MAX_TEMPERATURE + ", got " + temperature);
        }
        if (topK < 0) {
            throw new ParameterException(cl, "--top-k must be at least 0 (0 = all tokens), got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new ParameterException(cl, "--top-p must be between 0 and 1 (1 = all tokens), got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new ParameterException(cl, "--min-p must be between 0 (off) and 1, got " + minP);
        }
        if (!(repetitionPenalty > 0 && repetitionPenalty < Double.POSITIVE_INFINITY)) {
            throw new ParameterException(cl, "--repetition-penalty must be a finite number > 0 (1 = off), got "
                    + repetitionPenalty);
        }
        return new Sampler.Settings(temperature, topK, topP, minP, repetitionPenalty);
    }

    private static String sampling(Sampler.Settings settings, long seed, int prompts) {
        String s = Sampler.of(settings, seed).describe();
        return settings.temperature() > 0 && prompts > 1 ? s + " (prompt i samples with seed " + seed + " + i)" : s;
    }

    /**
     * Prints as tokens come: one prompt streams its text; a batch prints each continuation once it
     * and every earlier one are done; with --json nothing (the objects are written per batch).
     * Holds each sequence's decoder, stop-string matcher and text.
     */
    private final class Output implements Generator.Listener {
        private final PrintWriter out;
        private final Tokenizer tokenizer;
        private final int total;
        private int from;
        private StreamingDecoder[] decoders;
        private StopStrings[] matchers;
        private StringBuilder[] texts;
        private Generator.FinishReason[] done;
        private int[] counts;
        private int printed;

        Output(PrintWriter out, Tokenizer tokenizer, int total) {
            this.out = out;
            this.tokenizer = tokenizer;
            this.total = total;
        }

        /** Prompts {@code from .. to-1} start. */
        void startBatch(int from, int to) {
            int n = to - from;
            this.from = from;
            this.printed = 0;
            decoders = new StreamingDecoder[n];
            matchers = new StopStrings[n];
            texts = new StringBuilder[n];
            done = new Generator.FinishReason[n];
            counts = new int[n];
            for (int i = 0; i < n; i++) {
                decoders[i] = tokenizer == null ? null : tokenizer.streamingDecoder(true);
                matchers[i] = new StopStrings(stops);
                texts[i] = new StringBuilder();
            }
        }

        private boolean streaming() {
            return !json && total == 1;
        }

        @Override
        public boolean token(int s, int id) {
            String piece = decoders[s] != null ? decoders[s].accept(id) : (counts[s] == 0 ? "" : " ") + id;
            counts[s]++;
            show(s, matchers[s].accept(piece));
            return !matchers[s].stopped();
        }

        @Override
        public void finished(int s, Generator.FinishReason reason) {
            if (decoders[s] != null) {
                show(s, matchers[s].accept(decoders[s].flush()));
            }
            show(s, matchers[s].flush());
            done[s] = reason;
            if (streaming()) {
                out.println();
                out.flush();
            } else if (!json) {
                while (printed < done.length && done[printed] != null) {
                    out.println("=== prompt " + (from + printed + 1) + "/" + total + " (" + done[printed].label() + ") ===");
                    out.println(texts[printed]);
                    printed++;
                }
                out.flush();
            }
        }

        private void show(int s, String text) {
            texts[s].append(text);
            if (streaming() && !text.isEmpty()) {
                out.print(text);
                out.flush();
            }
        }

        /** The --json object of prompt {@code i} (of the current batch). */
        Map<String, Object> object(int i, Generator.Sequence seq, Sampler sampler, Generator.Result r, long loadNanos) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("token_ids", Arrays.stream(seq.tokens()).boxed().toList());
            if (tokenizer != null) {
                o.put("text", texts[i - from].toString());
            }
            o.put("finish_reason", seq.finishReason().label());
            if (!sampler.isGreedy()) {
                o.put("seed", sampler.seed());
            }
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("load_s", loadNanos / 1e9);
            t.put("time_to_first_token_s", r.prefillNanos() / 1e9);
            t.put("prefill_tokens", r.promptTokens());
            t.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
            t.put("decode_tokens", r.decodedTokens());
            t.put("decode_tokens_per_s", r.decodedTokens() == 0 ? null : r.decodeTokensPerSecond());
            o.put("timings", t);
            return o;
        }
    }

    /** The batches' timings and finish reasons added up, for the stderr summary. */
    private static final class Totals {
        long prefillNanos;
        long decodeNanos;
        int promptTokens;
        int decodedTokens;
        int batches;
        Generator.FinishReason last;

        void add(Generator.Result r) {
            prefillNanos += r.prefillNanos();
            decodeNanos += r.decodeNanos();
            promptTokens += r.promptTokens();
            decodedTokens += r.decodedTokens();
            batches++;
            last = r.sequences().getLast().finishReason();
        }

        /** "load 0.21 s, first token 41.0 ms, prefill 37 tokens at 902 tok/s, decode ..., greedy". */
        String summary(long loadNanos, String sampling, int prompts) {
            String decode = decodedTokens == 0 ? "decode: no steps"
                    : String.format(Locale.ROOT, "decode %d tokens at %.1f tok/s", decodedTokens, decodedTokens / (decodeNanos / 1e9));
            String first = prompts == 1 ? "first token " + ModelArgs.seconds(prefillNanos)
                    : prompts + " prompts in " + batches + (batches == 1 ? " batch" : " batches")
                    + ", prefill time " + ModelArgs.seconds(prefillNanos);
            String end = prompts > 1 ? ""
                    : last == Generator.FinishReason.EOS ? ", stopped at end-of-sequence"
                    : last == Generator.FinishReason.STOP ? ", stopped at a stop string" : "";
            return String.format(Locale.ROOT, "load %s, %s, prefill %d tokens at %.1f tok/s, %s, %s%s",
                    ModelArgs.seconds(loadNanos), first, promptTokens, promptTokens / (prefillNanos / 1e9),
                    decode, sampling, end);
        }
    }
}
