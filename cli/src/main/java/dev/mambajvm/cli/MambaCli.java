package dev.mambajvm.cli;

import dev.mambajvm.model.hub.HubException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code mamba-cli} command. Subcommands are registered in the {@code subcommands} list of the
 * {@link Command} annotation below: add a class there (with {@code mixinStandardHelpOptions} and an
 * {@code Examples:} footer, which {@code MambaCliTest} checks for every command).
 *
 * <p>Exit codes: 0 ok; 1 the command failed (one line on stderr, the stack trace only with
 * {@code MAMBA_DEBUG=1}); 2 usage error (one line on stderr).
 */
@Command(name = "mamba-cli",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {
                "Mamba inference on the JVM: kernels written once in Java, run on the JVM,",
                "through OpenCL or through CUDA.",
        },
        subcommands = {
                DevicesCommand.class,
                KernelsCommand.class,
                VerifyCommand.class,
                TokenizeCommand.class,
                GenerateCommand.class,
                PerplexityCommand.class,
        },
        footerHeading = "%nExamples:%n",
        footer = {
                "  mamba-cli devices            list the backends and their devices",
                "  mamba-cli devices --json     the same, as one JSON object",
                "  mamba-cli kernels            the kernels in this build",
                "  mamba-cli kernels --emit cuda VectorKernels.vectorAdd",
                "  mamba-cli verify             run the kernel suite on every device",
                "  mamba-cli tokenize --model DIR --text 'Hello'   ids and tokens of a text",
                "  mamba-cli generate --model DIR --prompt 'Hi' --max-tokens 20 --temperature 0",
                "  mamba-cli generate --model state-spaces/mamba-130m-hf --prompt 'Hi'",
                "      --max-tokens 20 --temperature 0   a Hugging Face repo, downloaded once",
                "  mamba-cli perplexity --model DIR --file text.txt   mean NLL and perplexity",
                "  mamba-cli devices --help     help for one command",
                "  mamba-cli --version          versions of mamba-cli and of Java",
        })
public final class MambaCli implements Callable<Integer> {

    /** Environment variable that makes a failing command print its stack trace. */
    public static final String DEBUG_ENV = "MAMBA_DEBUG";

    @Spec
    CommandSpec spec;

    /** Without a subcommand: the usage help, exit 0. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    public static void main(String[] args) {
        System.exit(commandLine(CommandLine.defaultFactory()).execute(args));
    }

    /**
     * The configured command line. {@code factory} creates the command objects: tests pass one that
     * hands out commands wired to fake backends.
     */
    public static CommandLine commandLine(CommandLine.IFactory factory) {
        CommandLine cl = new CommandLine(new MambaCli(), factory);
        cl.setParameterExceptionHandler(MambaCli::usageError);
        cl.setExecutionExceptionHandler(MambaCli::failure);
        return cl;
    }

    /** A usage error: one line, exit 2 (picocli's default code), no usage dump. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        PrintWriter err = cmd.getErr();
        err.println(name + ": " + oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** A command threw: one line, exit 1; the stack trace only when {@value #DEBUG_ENV} is set. */
    private static int failure(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        // A HubException's message is written for the user (it names the repo and what to do).
        err.println(cmd.getCommandSpec().qualifiedName() + ": error: "
                + (ex instanceof HubException ? oneLine(ex.getMessage()) : describe(ex)));
        String debug = System.getenv(DEBUG_ENV);
        if (debug != null && !debug.isEmpty() && !debug.equals("0")) {
            ex.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    /** A throwable as one line: its type and message, and the root cause's when there is one. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder(typeAndMessage(t));
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t) {
            b.append(" (caused by ").append(typeAndMessage(root)).append(')');
        }
        return oneLine(b.toString());
    }

    private static String typeAndMessage(Throwable t) {
        String m = t.getMessage();
        String type = t.getClass().getSimpleName();
        return m == null || m.isBlank() ? type : type + ": " + m;
    }

    /** Control characters (newlines included) become single spaces; the result is trimmed. */
    static String oneLine(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (!space) {
                    b.append(' ');
                    space = true;
                }
            } else {
                b.append(c);
                space = c == ' ';
            }
        }
        return b.toString().trim();
    }
}
