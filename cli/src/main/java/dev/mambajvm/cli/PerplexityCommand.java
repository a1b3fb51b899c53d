package dev.mambajvm.cli;

import dev.mambajvm.backend.Device;
import dev.mambajvm.backend.Devices;
import dev.mambajvm.model.MambaModel;
import dev.mambajvm.model.Perplexity;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.hub.ModelResolver;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code mamba-cli perplexity}: mean NLL and perplexity of a text or of token ids under a model. */
@Command(name = "perplexity",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Scores a text (or token ids) with a model: the mean negative log-likelihood",
                "(natural log, in nats) of tokens 2..N, each predicted from the tokens before",
                "it (N-1 predictions: the first token is only context), and perplexity =",
                "exp(mean NLL). The log-softmax is taken in double on the host from the",
                "model's logits. The whole input goes through one prefill (no sliding window",
                "yet): memory grows with N x vocabulary; keep inputs to a few thousand tokens.",
                "--model is a checkpoint folder or a Hugging Face repo id: a repo is taken from",
                "the Hugging Face cache when there, else downloaded into it (progress on stderr).",
                "Without --model: the embedded default model shipped inside mamba-cli.jar.",
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli perplexity --file psalms.txt       (the embedded default model)",
                "  mamba-cli perplexity --model ./mamba-130m --file wiki.txt",
                "    tokens      N",
                "    mean NLL    X nats over N-1 predictions",
                "    perplexity  exp(X)",
                "  mamba-cli perplexity --model ./mamba-130m --token-ids 510,3158,8516 --json",
                "    {\"tokens\":3,\"nll\":...,\"perplexity\":...}",
                "  mamba-cli perplexity --model ./mamba-130m --file wiki.txt --verbose",
                "  mamba-cli perplexity --model state-spaces/mamba-130m-hf --file wiki.txt",
                "      (a Hugging Face repo: from the Hugging Face cache, else downloaded once)",
        })
public final class PerplexityCommand implements Callable<Integer> {

    @Mixin
    ModelOption modelOption;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--file", paramLabel = "TEXT", description = "A UTF-8 text file, encoded with the model's tokenizer.json.")
        Path file;

        @Option(names = "--token-ids", paramLabel = "IDS", description = "Comma-separated token ids, e.g. 1,2,3.")
        String tokenIds;
    }

    @Option(names = "--json", description = "Print one JSON object {\"tokens\":N,\"nll\":X,\"perplexity\":Y} instead.")
    boolean json;

    @Mixin
    ModelRunOptions run;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter out = cl.getOut();
        PrintWriter err = cl.getErr();
        Path model = modelOption.resolve(cl, ModelResolver.Need.CHECKPOINT);
        MambaConfig config = ModelArgs.config(cl, model);
        int vocab = config.paddedVocabSize();
        int[] ids;
        if (input.tokenIds != null) {
            ids = ModelArgs.parseIds(cl, "--token-ids", input.tokenIds, vocab);
        } else {
            if (!Files.isRegularFile(input.file)) {
                throw new ParameterException(cl, "--file " + input.file + ": no such file");
            }
            var tokenizer = ModelArgs.tokenizer(cl, model, "--file");
            ids = tokenizer.encode(Files.readString(input.file, StandardCharsets.UTF_8));
            ModelArgs.checkEncoded(cl, "--file", ids, vocab);
        }
        if (ids.length < 2) {
            throw new ParameterException(cl, (input.tokenIds != null ? "--token-ids" : "--file") + " gives "
                    + ids.length + " token" + (ids.length == 1 ? "" : "s") + ": perplexity needs at least 2 (the first"
                    + " one is only context)");
        }
        Perplexity p;
        try (Device d = Devices.open(run.device); MambaModel m = MambaModel.load(d, model)) {
            run.reportLoaded(err, d, m);
            p = Perplexity.of(m, ids);
            run.reportFinished(err, d);
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("tokens", p.tokens());
            o.put("nll", p.nll());
            o.put("perplexity", p.perplexity());
            out.println(Json.write(o));
        } else {
            out.println("tokens      " + p.tokens());
            out.println("mean NLL    " + String.format(Locale.ROOT, "%.6f", p.nll()) + " nats over "
                    + (p.tokens() - 1) + " predictions");
            out.println("perplexity  " + String.format(Locale.ROOT, "%.4f", p.perplexity()));
        }
        out.flush();
        return 0;
    }
}
