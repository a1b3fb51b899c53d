package dev.mambajvm.model.hub;

import dev.mambajvm.model.JsonFiles;
import dev.mambajvm.model.config.EosTokens;
import dev.mambajvm.model.config.MambaConfig;
import dev.mambajvm.model.tokenizer.Tokenizer;
import dev.mambajvm.model.weights.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Turns what the user gave as a model into a checkpoint folder, in this order:
 *
 * <ol>
 *   <li>an existing local path: used as it is;
 *   <li>a repo id {@code ORG/NAME[@REVISION]} whose files are in the hub cache ({@link HubCache}),
 *       by {@code refs/REVISION} and {@code snapshots/COMMIT}, whoever downloaded them: no network;
 *   <li>otherwise the missing files are downloaded into that cache ({@link HubDownloader}) and the
 *       snapshot folder is returned. Offline ({@code HF_HUB_OFFLINE}, or the hub unreachable), a model
 *       not in the cache is one line that says where it was looked for and how to get it there.
 * </ol>
 *
 * The files of a checkpoint: config.json, generation_config.json and tokenizer.json when the repo has
 * them, model.safetensors or model.safetensors.index.json and the shards it names.
 */
public final class ModelResolver {
    /** Which files the caller needs. */
    public enum Need {
        /** config.json and the weights; tokenizer.json and generation_config.json where the repo has them. */
        CHECKPOINT,
        /** tokenizer.json only. */
        TOKENIZER
    }

    private final HubSettings settings;
    private final HubCache cache;
    private final DownloadProgress progress;

    public ModelResolver(HubSettings settings, DownloadProgress progress) {
        this.settings = settings;
        this.cache = new HubCache(settings.cache());
        this.progress = progress;
    }

    public HubCache cache() {
        return cache;
    }

    /**
     * The folder for {@code model}, a local path or a repo id.
     *
     * @throws HubException with a message that starts with {@code model}, e.g. "./m: no such folder"
     */
    public Path resolve(String model, Need need) {
        Path local = localPath(model);
        if (local != null && Files.exists(local)) {
            return local;
        }
        Optional<RepoId> repo = RepoId.parse(model);
        if (repo.isEmpty()) {
            boolean pathLike = model.startsWith("/") || model.startsWith(".") || model.startsWith("~") || model.isEmpty();
            throw new HubException(model + ": no such folder" + (pathLike ? ""
                    : ", and not a Hugging Face repo id (ORG/NAME or ORG/NAME@REVISION)"), true);
        }
        return resolve(repo.get(), need);
    }

    /** The snapshot folder of {@code repo} holding what {@code need} asks for: from the cache, else downloaded. */
    public Path resolve(RepoId repo, Need need) {
        String missing = null;
        Optional<String> commit = cache.commitOf(repo);
        if (commit.isPresent()) {
            Cached cached = new Cached(repo, commit.get());
            Path dir = null;
            try {
                dir = walk(cached, repo, need);
            } catch (Missing m) {
                missing = m.file;
            } catch (Unreachable e) {
                throw new IllegalStateException("the cache walk never goes online", e);
            }
            if (dir != null) {
                if (cached.gaps.isEmpty() || settings.offline()) {
                    return dir;
                }
                // Optional files the cache knows nothing of: ask the hub, but a cached checkpoint is enough.
                try {
                    return online(repo, need);
                } catch (Unreachable e) {
                    return dir;
                }
            }
        }
        if (settings.offline()) {
            throw notCached(repo, missing, "HF_HUB_OFFLINE is set");
        }
        try {
            return online(repo, need);
        } catch (Unreachable e) {
            throw notCached(repo, missing, "the hub cannot be reached (" + settings.endpoint() + ": " + e.reason + ")");
        }
    }

    private Path online(RepoId repo, Need need) throws Unreachable {
        try (HubDownloader http = new HubDownloader(settings, cache, progress)) {
            return walk(new Online(repo, http), repo, need);
        } catch (Missing e) {
            throw new IllegalStateException("the online walk never reports a missing file", e);
        }
    }

    /** The files {@code need} asks for, in order, from {@code s}; returns the snapshot folder. */
    private Path walk(Source s, RepoId repo, Need need) throws Missing, Unreachable {
        try {
            if (need == Need.TOKENIZER) {
                if (!s.fetch(Tokenizer.FILE_NAME, true)) {
                    throw new HubException(repo + ": the repo has no " + Tokenizer.FILE_NAME, true);
                }
                return s.dir();
            }
            if (!s.fetch(MambaConfig.FILE_NAME, true)) {
                throw new HubException(repo + ": the repo has no " + MambaConfig.FILE_NAME
                        + " (expected a Hugging Face transformers checkpoint)", true);
            }
            s.fetch(EosTokens.GENERATION_CONFIG, false);
            s.fetch(Tokenizer.FILE_NAME, false);
            if (!s.fetch(Checkpoint.SINGLE_FILE, false)) {
                boolean sharded;
                try {
                    sharded = s.fetch(Checkpoint.INDEX_FILE, true);
                } catch (Missing m) {
                    // Neither is cached: name the usual one.
                    throw s instanceof Cached c && c.gaps.contains(Checkpoint.SINGLE_FILE) ? new Missing(Checkpoint.SINGLE_FILE) : m;
                }
                if (!sharded) {
                    throw new HubException(repo + ": the repo has neither " + Checkpoint.SINGLE_FILE + " nor "
                            + Checkpoint.INDEX_FILE + " (checkpoints in pytorch_model.bin are not read: pick the"
                            + " repo's safetensors version, e.g. an -hf repo)", true);
                }
                for (String shard : shards(repo, s.dir().resolve(Checkpoint.INDEX_FILE))) {
                    if (!s.fetch(shard, true)) {
                        throw new HubException(repo + ": shard " + shard + ", named by " + Checkpoint.INDEX_FILE
                                + ", is not in the repo", true);
                    }
                }
            }
            return s.dir();
        } catch (IOException e) {
            throw new HubException(repo + ": cannot use the cache folder " + cache.repoFolder(repo) + " (" + e + ")",
                    false, e);
        }
    }

    /** The shard files an index names (each a plain relative path inside the snapshot). */
    private static List<String> shards(RepoId repo, Path index) throws IOException {
        Map<String, Object> json = JsonFiles.readObject(index.toString(), Files.readAllBytes(index));
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
            throw new HubException(repo + ": " + Checkpoint.INDEX_FILE + " has no \"weight_map\" object", true);
        }
        TreeSet<String> shards = new TreeSet<>();
        for (Object v : weightMap.values()) {
            if (!(v instanceof String shard) || !plainRelativePath(shard)) {
                throw new HubException(repo + ": " + Checkpoint.INDEX_FILE + " names shard " + JsonFiles.describe(v)
                        + " (expected a file name inside the repo)", true);
            }
            shards.add(shard);
        }
        return new ArrayList<>(shards);
    }

    private static boolean plainRelativePath(String p) {
        if (p.isEmpty() || p.startsWith("/") || p.contains("\\")) {
            return false;
        }
        for (String segment : p.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private HubException notCached(RepoId repo, String missing, String reason) {
        String revision = repo.revision().equals(RepoId.DEFAULT_REVISION) ? "" : " --revision " + repo.revision();
        return new HubException(repo + " is not in the Hugging Face cache (" + cache.repoFolder(repo)
                + (missing != null ? ": no " + missing + " for revision " + repo.revision() : "") + ") and " + reason
                + ": run `huggingface-cli download " + repo.id() + revision + "` on a machine with network, copy the"
                + " folder " + repo.cacheFolderName() + " of its Hugging Face cache into " + cache.root()
                + ", or pass a local checkpoint folder", false);
    }

    private static Path localPath(String model) {
        try {
            return model.isEmpty() ? null : Path.of(model);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /** Where the files of one revision come from: the cache alone, or the hub. */
    private interface Source {
        /**
         * Whether the repo has {@code file}; when it has, it is in {@link #dir()} afterwards.
         * {@code required}: the checkpoint cannot do without it (else absent is an answer too).
         */
        boolean fetch(String file, boolean required) throws Missing, Unreachable, IOException;

        /** The snapshot folder (known once one file was fetched). */
        Path dir();
    }

    /** The cache only: a file it knows nothing of is {@link Missing} when required, else a gap. */
    private final class Cached implements Source {
        final RepoId repo;
        final String commit;
        final List<String> gaps = new ArrayList<>();

        Cached(RepoId repo, String commit) {
            this.repo = repo;
            this.commit = commit;
        }

        @Override
        public boolean fetch(String file, boolean required) throws Missing {
            return switch (cache.state(repo, commit, file)) {
                case PRESENT -> true;
                case ABSENT -> false;
                case UNKNOWN -> {
                    if (required) {
                        throw new Missing(file);
                    }
                    gaps.add(file);
                    yield false;
                }
            };
        }

        @Override
        public Path dir() {
            return cache.snapshot(repo, commit);
        }
    }

    /**
     * The hub: the first request fixes the commit (a branch may move meanwhile: the rest is asked of
     * that commit); files already in its snapshot are not asked for again.
     */
    private final class Online implements Source {
        final RepoId repo;
        final HubDownloader http;
        String commit;
        boolean repoExists;
        boolean announced;

        Online(RepoId repo, HubDownloader http) {
            this.repo = repo;
            this.http = http;
            this.commit = repo.revisionIsCommit() ? repo.revision() : null;
        }

        @Override
        public boolean fetch(String file, boolean required) throws Unreachable, IOException {
            if (commit != null) {
                HubCache.FileState state = cache.state(repo, commit, file);
                if (state != HubCache.FileState.UNKNOWN) {
                    return state == HubCache.FileState.PRESENT;
                }
            }
            RemoteFile meta;
            try {
                meta = http.metadata(repo, commit != null ? commit : repo.revision(), file, repoExists);
            } catch (IOException e) {
                throw new Unreachable(e);
            }
            repoExists = true;
            if (commit == null) {
                if (meta.commit() == null) {
                    if (!meta.exists()) {
                        return false;
                    }
                    throw new HubException(repo + ": the hub did not say which commit revision " + repo.revision()
                            + " is (no X-Repo-Commit from " + settings.endpoint() + ")", false);
                }
                commit = meta.commit();
                cache.writeRef(repo, commit);
            }
            if (!meta.exists()) {
                cache.markAbsent(repo, commit, file);
                return false;
            }
            if (cache.state(repo, commit, file) == HubCache.FileState.PRESENT) {
                return true;
            }
            if (!announced && !Files.isRegularFile(cache.blob(repo, meta.etag()))) {
                progress.note("downloading " + repo + " (commit " + commit.substring(0, 12) + ") into "
                        + cache.repoFolder(repo));
                announced = true;
            }
            http.download(repo, commit, file, meta);
            cache.link(repo, commit, file, meta.etag());
            return true;
        }

        @Override
        public Path dir() {
            if (commit == null) {
                throw new IllegalStateException("no file fetched yet");
            }
            return cache.snapshot(repo, commit);
        }
    }

    /** A required file the cache does not have. */
    private static final class Missing extends Exception {
        final String file;

        Missing(String file) {
            super(file, null, false, false);
            this.file = file;
        }
    }

    /** The hub could not be reached. */
    private static final class Unreachable extends Exception {
        final String reason;

        Unreachable(IOException cause) {
            super(cause.toString(), cause, false, false);
            // The JDK client's ConnectException often has no message; its cause says "Connection refused".
            String m = null;
            for (Throwable t = cause; t != null && m == null; t = t.getCause() == t ? null : t.getCause()) {
                m = t.getMessage() == null || t.getMessage().isBlank() ? null : t.getMessage();
            }
            this.reason = cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        }
    }
}
