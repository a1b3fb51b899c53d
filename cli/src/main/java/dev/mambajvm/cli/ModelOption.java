package dev.mambajvm.cli;

import dev.mambajvm.model.hub.HubException;
import dev.mambajvm.model.hub.HubSettings;
import dev.mambajvm.model.hub.ModelResolver;
import dev.mambajvm.model.hub.ProgressPrinter;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.nio.file.Path;
import java.util.Map;

/**
 * {@code --model} of generate, perplexity and tokenize: a local folder or a Hugging Face repo id, and
 * the one place where it becomes a folder ({@link #resolve}).
 */
final class ModelOption {

    @Option(names = "--model", paramLabel = "MODEL",
            description = {"A checkpoint folder, or a Hugging Face repo id ORG/NAME[@REVISION] such as"
                    + " state-spaces/mamba-130m-hf: taken from the Hugging Face cache, else downloaded into it."
                    + " HF_HUB_CACHE, HF_HOME, HF_ENDPOINT, HF_TOKEN and HF_HUB_OFFLINE=1 (cache only) work as"
                    + " for huggingface_hub. Without --model: " + DefaultModel.NAME + ", shipped in mamba-cli.jar."})
    String model;

    /** Where HF_ENDPOINT, HF_HOME, HF_TOKEN, HF_HUB_OFFLINE ... are read (tests put their own map). */
    Map<String, String> env = System.getenv();

    /**
     * The folder {@code --model} names: the folder itself, else the repo's snapshot in the hub cache,
     * downloaded first when missing (progress on stderr); without {@code --model}, the embedded
     * default model's folder ({@link DefaultModel}). A wrong folder, repo, revision or token is a
     * usage error; a failed download or an offline miss is a failure (exit 1).
     */
    Path resolve(CommandLine cl, ModelResolver.Need need) {
        if (model == null) {
            return DefaultModel.directory(env);
        }
        HubSettings settings;
        try {
            settings = HubSettings.fromEnvironment(env);
        } catch (HubException e) {
            throw new ParameterException(cl, e.getMessage());
        }
        boolean terminal = !"dumb".equals(env.get("TERM")) && StderrTerminal.isTerminal();
        try {
            return new ModelResolver(settings, new ProgressPrinter(cl.getErr(), terminal)).resolve(model, need);
        } catch (HubException e) {
            if (e.userError()) {
                throw new ParameterException(cl, "--model " + e.getMessage());
            }
            throw e;
        }
    }
}
